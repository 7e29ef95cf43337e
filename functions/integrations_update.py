"""Rename, enable or disable an integration, or change its config (merged over the current one).

Trigger: callable
Input: IntegrationUpdate   Output: IntegrationPublic
Errors: unauthenticated, invalid-argument (naming config.<field>), permission-denied (admins), not-found
Idempotency: naturally idempotent: the same update twice leaves the same integration
Writes: teams/{teamId}/integrations/{id}, secrets/integration_{teamId}_{id} (one transaction)
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.integrations.service import update_integration
from shared.models.integrations import IntegrationUpdate


@rejects_malformed_json
@https_fn.on_call()
def integrations_update(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, IntegrationUpdate, update_integration)
