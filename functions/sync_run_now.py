"""Queue a run of a sync configuration now; a run already going is not doubled (the answer names it).

Trigger: callable
Input: SyncRunNow   Output: SyncRunQueued
Errors: unauthenticated, invalid-argument, not-found (configId), permission-denied (admins)
Idempotency: one run holds a configuration at a time: a repeated call answers the run it queued
Writes: teams/{teamId}/syncRuns/{runId}, teams/{teamId}/syncConfigs/{configId}; Cloud Tasks queue taskRunSync
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncRunNow
from shared.sync.service import run_now


@rejects_malformed_json
@https_fn.on_call()
def sync_run_now(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncRunNow, run_now)
