"""Every 5 minutes: start the paged sweep of events whose fan-out has not completed after 5 minutes.

Trigger: schedule every 5 minutes
Input: none   Output: none (logs how many first pages were queued)
Errors: a failed start is logged and raised; the next tick sweeps again
Idempotency: page task ids derive from the sweep and the 5-minute slot: a re-run queues nothing
Writes: Cloud Tasks queue taskRecoverFanoutsPage (each page queues the next and one fan-out per event)
"""

from firebase_functions import scheduler_fn

from shared.scheduled import run_job
from shared.webhooks.recovery import FANOUT_RECOVERY_SWEEP


@scheduler_fn.on_schedule(schedule="every 5 minutes")
def job_recover_fanouts(event: scheduler_fn.ScheduledEvent) -> None:
    run_job(event, lambda: FANOUT_RECOVERY_SWEEP.start(event.schedule_time))
