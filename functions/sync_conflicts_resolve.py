"""Resolve a sync conflict: local, remote, or merge with values; applied here at once, pushed by the next run.

Trigger: callable
Input: SyncConflictResolve   Output: SyncConflictPublic
Errors: unauthenticated, invalid-argument (values.<field>), not-found (conflictId), failed-precondition
    (resolved already), permission-denied (admins)
Idempotency: a resolved conflict refuses a second resolution
Writes: teams/{teamId}/contacts/{contactId}, teams/{teamId}/contactChanges/{contactId},
    teams/{teamId}/syncConflicts/{conflictId}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncConflictResolve
from shared.sync.service import resolve_conflict


@rejects_malformed_json
@https_fn.on_call()
def sync_conflicts_resolve(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncConflictResolve, resolve_conflict)
