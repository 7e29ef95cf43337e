"""Every 10 minutes: queue a refresh for each connection expiring within 15 minutes or idle for 24 hours.

Trigger: schedule every 10 minutes
Input: none   Output: none (logs the counts)
Errors: a failed sweep is logged; the next tick sweeps again
Idempotency: task ids are derived from the connection and the 10-minute slot: a re-run queues nothing twice
Writes: Cloud Tasks queue taskRefreshToken
"""

from firebase_functions import scheduler_fn

from shared.oauth.scheduler import sweep
from shared.scheduled import run_job


@scheduler_fn.on_schedule(schedule="every 10 minutes")
def job_refresh_tokens(event: scheduler_fn.ScheduledEvent) -> None:
    run_job(event, lambda: sweep())
