"""Rotate a webhook integration's signing secret: the new one is shown once, the old one signs too for 24 h.

Trigger: callable
Input: IntegrationRef   Output: SigningSecretRotated (signingSecret, previousSecretExpiresAt)
Errors: unauthenticated, invalid-argument, permission-denied (admins), not-found,
    failed-precondition (not a webhook integration)
Idempotency: none: each call makes a new secret
Writes: teams/{teamId}/integrations/{id}, secrets/integration_{teamId}_{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.integrations import IntegrationRef
from shared.webhooks.service import rotate_signing_secret


@rejects_malformed_json
@https_fn.on_call()
def integrations_rotate_secret(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, IntegrationRef, rotate_signing_secret)
