"""Every minute: start the paged sweep of enabled sync configurations whose next run is due.

Trigger: schedule every 1 minutes
Input: none   Output: none (logs how many first pages were queued)
Errors: a failed start is logged and raised; the next tick sweeps again
Idempotency: page task ids derive from the sweep and the minute's slot: a re-run queues nothing
Writes: Cloud Tasks queue taskRunDueSyncsPage (each page queues the next and one taskRunSync per
    configuration)
"""

from firebase_functions import scheduler_fn

from shared.scheduled import run_job
from shared.sync.runs import DUE_SYNCS


@scheduler_fn.on_schedule(schedule="every 1 minutes")
def job_run_due_syncs(event: scheduler_fn.ScheduledEvent) -> None:
    run_job(event, lambda: DUE_SYNCS.start(event.schedule_time))
