"""Change a sync configuration (seed: updateSyncConfig): direction, schedule, mappings, conflict policy.

Trigger: callable
Input: SyncConfigUpdate   Output: SyncConfigPublic
Errors: unauthenticated, invalid-argument (naming the field), not-found (configId), permission-denied (admins)
Idempotency: the same change twice gives the same configuration
Writes: teams/{teamId}/syncConfigs/{configId}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncConfigUpdate
from shared.sync.service import update_config


@rejects_malformed_json
@https_fn.on_call()
def sync_configs_update(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncConfigUpdate, update_config)
