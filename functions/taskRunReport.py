"""Run one scheduled report for the slot it was due in and emit `report.completed` with its rows.

Trigger: task queue (retries: 5 attempts, backoff from 30 s; timeout 300 s)
Input: ReportTask (teamId, reportId, scheduledFor)   Output: none (logs the outcome)
Errors: a Firestore failure raises and Cloud Tasks retries; a report over 10,000 tickets is logged and
    its schedule moves on
Idempotency: the event's id derives from the report and its due time (created once); the schedule
    moves on only while still due at that time, so a redelivered task does nothing
Writes: teams/{teamId}/events/report.completed-*, teams/{teamId}/reports/{reportId} (schedule)

Named in camelCase: a task function's id is its Cloud Tasks queue id, which allows no underscore.
"""

from typing import Any

from firebase_functions import https_fn, options, tasks_fn

from shared.models.reports import ReportTask
from shared.reports.schedule import run_scheduled
from shared.tasks import acknowledges_unusable_payloads, run_task


@acknowledges_unusable_payloads
@tasks_fn.on_task_dispatched(
    retry_config=options.RetryConfig(max_attempts=5, min_backoff_seconds=30, max_backoff_seconds=600),
    rate_limits=options.RateLimits(max_concurrent_dispatches=20),
    timeout_sec=300,
)
def taskRunReport(request: https_fn.CallableRequest[Any]) -> None:
    run_task(request, ReportTask, run_scheduled)
