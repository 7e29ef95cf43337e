"""A team's enabled endpoints, newest first, one page at a time.

Trigger: callable
Input: RestEndpointListQuery   Output: Page[RestEndpointPublic] ({"items": [...], "nextCursor": ...})
Errors: unauthenticated, invalid-argument, permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.public_api import RestEndpointListQuery
from shared.public_api.endpoints import list_endpoints


@rejects_malformed_json
@https_fn.on_call()
def rest_endpoints_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, RestEndpointListQuery, list_endpoints)
