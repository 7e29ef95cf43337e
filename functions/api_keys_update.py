"""Change a key's name, scopes, enabled flag, rate limit or expiry (never the key itself).

Trigger: callable
Input: ApiKeyUpdate   Output: ApiKeyPublic
Errors: unauthenticated, invalid-argument, permission-denied (admin or owner only), not-found
Idempotency: naturally idempotent: the same update twice leaves the same key
Writes: teams/{teamId}/apiKeys/{keyId}, apiKeyIndex/{hash} (in one transaction)
"""

from typing import Any

from firebase_functions import https_fn

from shared.api_keys.service import update_key
from shared.callables import rejects_malformed_json, serve
from shared.models.api_keys import ApiKeyUpdate


@rejects_malformed_json
@https_fn.on_call()
def api_keys_update(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, ApiKeyUpdate, update_key)
