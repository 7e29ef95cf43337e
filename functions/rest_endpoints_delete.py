"""Delete a team endpoint: its path answers 404 from then on.

Trigger: callable
Input: RestEndpointRef   Output: RestEndpointDeleted ({id, deleted, existed})
Errors: unauthenticated, invalid-argument, permission-denied (admins)
Idempotency: idempotent: a repeated delete answers `existed: false` and changes nothing
Writes: deletes teams/{teamId}/restEndpoints/{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.public_api import RestEndpointRef
from shared.public_api.endpoints import delete_endpoint


@rejects_malformed_json
@https_fn.on_call()
def rest_endpoints_delete(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, RestEndpointRef, delete_endpoint)
