"""Every 5 minutes: start the paged sweep of scheduled reports whose next run is due.

Trigger: schedule every 5 minutes
Input: none   Output: none (logs how many first pages were queued)
Errors: a failed start is logged and raised; the next tick sweeps again
Idempotency: page task ids derive from the sweep and the slot: a re-run queues nothing
Writes: Cloud Tasks queue taskRunDueReportsPage (each page queues the next and one taskRunReport per
    report)
"""

from firebase_functions import scheduler_fn

from shared.reports.schedule import DUE_REPORTS
from shared.scheduled import run_job


@scheduler_fn.on_schedule(schedule="every 5 minutes")
def job_run_due_reports(event: scheduler_fn.ScheduledEvent) -> None:
    run_job(event, lambda: DUE_REPORTS.start(event.schedule_time))
