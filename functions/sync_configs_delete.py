"""Delete a sync configuration and its link index; idempotent.

Trigger: callable
Input: SyncConfigRef   Output: SyncConfigDeleted
Errors: unauthenticated, invalid-argument, permission-denied (admins)
Idempotency: a second call answers existed: false
Writes: deletes teams/{teamId}/syncConfigs/{configId} and its links
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncConfigRef
from shared.sync.service import delete_config


@rejects_malformed_json
@https_fn.on_call()
def sync_configs_delete(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncConfigRef, delete_config)
