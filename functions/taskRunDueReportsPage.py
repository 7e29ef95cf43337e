"""One page of the due scheduled reports: queue the next page's task, then one run per report.

Trigger: task queue (retries: 10 attempts, backoff from 10 s)
Input: PageTask (scheduledAt, source, after, pageSize)   Output: none (logs the page's counts)
Errors: a failure raises and Cloud Tasks retries the page; what it had queued is refused as a duplicate
Idempotency: task ids derive from the sweep's slot and the cursor (pages) or the report (runs)
Writes: Cloud Tasks queues taskRunDueReportsPage and taskRunReport

Named in camelCase: a task function's id is its Cloud Tasks queue id, which allows no underscore.
"""

from typing import Any

from firebase_functions import https_fn, options, tasks_fn

from shared.models.sweeps import PageTask
from shared.reports.schedule import DUE_REPORTS
from shared.tasks import acknowledges_unusable_payloads, run_task


@acknowledges_unusable_payloads
@tasks_fn.on_task_dispatched(
    retry_config=options.RetryConfig(max_attempts=10, min_backoff_seconds=10, max_backoff_seconds=300),
    rate_limits=options.RateLimits(max_concurrent_dispatches=20),
    timeout_sec=300,
)
def taskRunDueReportsPage(request: https_fn.CallableRequest[Any]) -> None:
    run_task(request, PageTask, DUE_REPORTS.run_page)
