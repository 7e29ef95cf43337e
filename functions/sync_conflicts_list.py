"""List sync conflicts: per field, the local, remote and last synced values.

Trigger: callable
Input: SyncConflictsListQuery   Output: Page[SyncConflictPublic]
Errors: unauthenticated, invalid-argument, permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncConflictsListQuery
from shared.sync.service import list_conflicts


@rejects_malformed_json
@https_fn.on_call()
def sync_conflicts_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncConflictsListQuery, list_conflicts)
