"""A team's API keys, newest first, with usageCount and lastUsed, one page at a time.

Trigger: callable
Input: ApiKeyListQuery   Output: Page[ApiKeyPublic] ({"items": [...], "nextCursor": ...})
Errors: unauthenticated, invalid-argument (a cursor not given out here), permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.api_keys.service import list_keys
from shared.callables import rejects_malformed_json, serve
from shared.models.api_keys import ApiKeyListQuery


@rejects_malformed_json
@https_fn.on_call()
def api_keys_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, ApiKeyListQuery, list_keys)
