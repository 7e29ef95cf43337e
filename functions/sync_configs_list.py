"""List a team's sync configurations (seed: getSyncConfigurations), optionally of one integration.

Trigger: callable
Input: SyncConfigListQuery   Output: Page[SyncConfigPublic]
Errors: unauthenticated, invalid-argument, permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncConfigListQuery
from shared.sync.service import list_configs


@rejects_malformed_json
@https_fn.on_call()
def sync_configs_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncConfigListQuery, list_configs)
