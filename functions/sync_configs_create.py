"""Create a sync configuration (seed: createSyncConfig): contacts kept in step with HubSpot or Salesforce.

Trigger: callable
Input: SyncConfigCreate   Output: SyncConfigPublic
Errors: unauthenticated, invalid-argument (naming the field: integrationId, fieldMappings[i].transformer,
    fieldMappings[i].remoteField...), already-exists (integrationId), permission-denied (admins), not-found
    (integrationId)
Idempotency: none: each call creates a configuration (one per integration)
Writes: teams/{teamId}/syncConfigs/{configId}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncConfigCreate
from shared.sync.service import create_config


@rejects_malformed_json
@https_fn.on_call()
def sync_configs_create(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncConfigCreate, create_config)
