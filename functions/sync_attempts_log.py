"""Record a sync run made elsewhere (seed: logSyncAttempt): success, counts, error.

Trigger: callable
Input: SyncAttemptLog   Output: SyncRunPublic
Errors: unauthenticated, invalid-argument, not-found (configId), permission-denied (admins)
Idempotency: none: each call records an attempt
Writes: teams/{teamId}/syncRuns/{runId}, teams/{teamId}/syncConfigs/{configId} (lastSyncAt)
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncAttemptLog
from shared.sync.service import log_attempt


@rejects_malformed_json
@https_fn.on_call()
def sync_attempts_log(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncAttemptLog, log_attempt)
