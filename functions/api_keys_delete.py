"""Delete (revoke) a key: it stops validating everywhere within the cache bound (10 s).

Trigger: callable
Input: ApiKeyRef   Output: ApiKeyDeleted
Errors: unauthenticated, invalid-argument, permission-denied (admins), not-found (also the second time)
Idempotency: the second delete answers not-found and changes nothing
Writes: deletes teams/{teamId}/apiKeys/{keyId} and apiKeyIndex/{hash}
"""

from typing import Any

from firebase_functions import https_fn

from shared.api_keys.service import delete_key
from shared.callables import rejects_malformed_json, serve
from shared.models.api_keys import ApiKeyRef


@rejects_malformed_json
@https_fn.on_call()
def api_keys_delete(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, ApiKeyRef, delete_key)
