"""One integration, its secrets masked.

Trigger: callable
Input: IntegrationRef   Output: IntegrationPublic
Errors: unauthenticated, invalid-argument, permission-denied (members), not-found
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.integrations.service import get_integration
from shared.models.integrations import IntegrationRef


@rejects_malformed_json
@https_fn.on_call()
def integrations_get(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, IntegrationRef, get_integration)
