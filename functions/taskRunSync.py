"""Run a sync configuration: start a scheduled run, or work a run's pages for its time budget and queue
its continuation.

Trigger: task queue (retries: 5 attempts, backoff from 30 s; timeout 540 s, of which the run works 420)
Input: SyncTask (teamId, configId, runId?, scheduledFor?, continuation)   Output: none (logs the outcome)
Errors: a CRM failure or a stalled cursor ends the run failed (recorded, not retried: the next run resumes
    from the last checkpoint); a crash raises and Cloud Tasks retries the same stretch from its checkpoint
Idempotency: one run holds a configuration; a scheduled run's id derives from its due time; pages are
    written with their checkpoint last, creates under derived ids; task ids derive from run and continuation
Writes: teams/{teamId}/contacts/*, syncConfigs/{configId} (cursors, hold) and its links, syncRuns/{runId},
    syncConflicts/*, contactChanges/*, contactEmails/*, events (sync.completed, sync.failed); the CRM's
    contacts

Named in camelCase: a task function's id is its Cloud Tasks queue id, which allows no underscore.
"""

from typing import Any

from firebase_functions import https_fn, options, tasks_fn

from shared.sync.runs import SyncTask, execute
from shared.tasks import acknowledges_unusable_payloads, run_task


@acknowledges_unusable_payloads
@tasks_fn.on_task_dispatched(
    retry_config=options.RetryConfig(max_attempts=5, min_backoff_seconds=30, max_backoff_seconds=600),
    rate_limits=options.RateLimits(max_concurrent_dispatches=20),
    timeout_sec=540,
)
def taskRunSync(request: https_fn.CallableRequest[Any]) -> None:
    run_task(request, SyncTask, execute)
