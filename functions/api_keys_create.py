"""Create a team API key; the answer carries the whole key, the only time it is ever shown.

Trigger: callable
Input: ApiKeyCreate   Output: ApiKeyCreated
Errors: unauthenticated, invalid-argument, permission-denied (admin or owner only)
Idempotency: none: each call issues a new key
Writes: teams/{teamId}/apiKeys/{keyId}, apiKeyIndex/{sha256 of the key}
"""

from typing import Any

from firebase_functions import https_fn

from shared.api_keys.service import create_key
from shared.callables import rejects_malformed_json, serve
from shared.models.api_keys import ApiKeyCreate


@rejects_malformed_json
@https_fn.on_call()
def api_keys_create(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, ApiKeyCreate, create_key)
