"""Define a team endpoint served at /v1/custom/<path> (or /v1/public/{teamId}/<path>): an event or a proxy.

Trigger: callable
Input: RestEndpointCreate   Output: RestEndpointPublic
Errors: unauthenticated, invalid-argument (naming the field: path, method, scopes, schema, target.<field>),
        already-exists (naming path: the team has this method and path), permission-denied (admins)
Idempotency: the id is a digest of (method, path), created once: a repeat is already-exists
Writes: teams/{teamId}/restEndpoints/{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.public_api import RestEndpointCreate
from shared.public_api.endpoints import create_endpoint


@rejects_malformed_json
@https_fn.on_call()
def rest_endpoints_create(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, RestEndpointCreate, create_endpoint)
