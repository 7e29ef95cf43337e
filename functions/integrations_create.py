"""Connect a third-party service: one of five types, its config validated per type, secrets encrypted.

Trigger: callable
Input: IntegrationCreate   Output: IntegrationCreated (webhook: `signingSecret`, shown once)
Errors: unauthenticated, invalid-argument (naming config.<field>), permission-denied (admins)
Idempotency: none: each call creates an integration
Writes: teams/{teamId}/integrations/{id}, secrets/integration_{teamId}_{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.integrations.service import create_integration
from shared.models.integrations import IntegrationCreate


@rejects_malformed_json
@https_fn.on_call()
def integrations_create(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, IntegrationCreate, create_integration)
