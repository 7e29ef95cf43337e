"""Every 10 minutes: start the paged sweep of connections expiring within 15 minutes or idle for 24 hours.

Trigger: schedule every 10 minutes
Input: none   Output: none (logs how many first pages were queued)
Errors: a failed start is logged and raised; the next tick sweeps again
Idempotency: page task ids derive from the sweep, the 10-minute slot and the source: a re-run queues nothing
Writes: Cloud Tasks queue taskRefreshTokensPage (one task per source; each page queues the next and its items)
"""

from firebase_functions import scheduler_fn

from shared.oauth.scheduler import REFRESH_SWEEP
from shared.scheduled import run_job


@scheduler_fn.on_schedule(schedule="every 10 minutes")
def job_refresh_tokens(event: scheduler_fn.ScheduledEvent) -> None:
    run_job(event, lambda: REFRESH_SWEEP.start(event.schedule_time))
