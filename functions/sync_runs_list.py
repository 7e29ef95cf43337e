"""List sync runs, newest first: status, trigger, counts, times, error.

Trigger: callable
Input: SyncRunsListQuery   Output: Page[SyncRunPublic]
Errors: unauthenticated, invalid-argument, permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncRunsListQuery
from shared.sync.service import list_runs


@rejects_malformed_json
@https_fn.on_call()
def sync_runs_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncRunsListQuery, list_runs)
