"""Delete an integration and its secrets; `on_integration_deleted` removes what hangs off it.

Trigger: callable
Input: IntegrationRef   Output: IntegrationDeleted ({id, deleted, existed})
Errors: unauthenticated, invalid-argument, permission-denied (admins)
Idempotency: idempotent: a repeated delete answers `existed: false` and changes nothing
Writes: deletes teams/{teamId}/integrations/{id} and secrets/integration_{teamId}_{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.integrations.service import delete_integration
from shared.models.integrations import IntegrationRef


@rejects_malformed_json
@https_fn.on_call()
def integrations_delete(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, IntegrationRef, delete_integration)
