"""Refresh one connection's token, if it is still due; retried by Cloud Tasks on transient failures.

Trigger: task queue (retries: 5 attempts, backoff from 30 s)
Input: RefreshTask (teamId, oauthId)   Output: none
Errors: transient failures raise (the task is retried); invalid_grant marks the connection needs_reauth
Idempotency: a connection no longer due is left alone; concurrent refreshes make one provider call
Writes: teams/{teamId}/oauthTokens/{id}, secrets/oauth_{teamId}_{id}

Named in camelCase, not task_refresh_token: a task function's id is its Cloud Tasks queue id, and
queue ids allow letters, digits and hyphens only (a Python name cannot hold a hyphen).
"""

from typing import Any

from firebase_functions import https_fn, options, tasks_fn

from shared.oauth.scheduler import RefreshTask, run_refresh
from shared.tasks import acknowledges_unusable_payloads, run_task


@acknowledges_unusable_payloads
@tasks_fn.on_task_dispatched(
    retry_config=options.RetryConfig(max_attempts=5, min_backoff_seconds=30, max_backoff_seconds=600),
    rate_limits=options.RateLimits(max_concurrent_dispatches=20),
)
def taskRefreshToken(request: https_fn.CallableRequest[Any]) -> None:
    run_task(request, RefreshTask, run_refresh)
