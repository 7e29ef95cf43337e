"""One API key's metadata, the key masked.

Trigger: callable
Input: ApiKeyRef   Output: ApiKeyPublic
Errors: unauthenticated, invalid-argument, permission-denied (members), not-found
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.api_keys.service import get_key
from shared.callables import rejects_malformed_json, serve
from shared.models.api_keys import ApiKeyRef


@rejects_malformed_json
@https_fn.on_call()
def api_keys_get(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, ApiKeyRef, get_key)
