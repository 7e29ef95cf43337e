"""The key holders' REST API: `/v1/...` over the team's helpdesk data, guarded by the key's scopes.

Trigger: https any method .../public_api/v1/... (and /api/v1/... behind a Hosting rewrite)
Input: Authorization: Bearer jk_live_...; per route, query parameters and a JSON body (ContactCreate,
    ContactUpdate, ContactListQuery)
Output: JSON (ContactPublic, {"items", "nextCursor"}; GET /v1/openapi.json, without a key, the OpenAPI
    3.1 document built from the route table); errors as application/problem+json (RFC 9457)
Errors: 400 bad input (each field with a pointer), 401 no valid key, 403 missing scope, 404, 405, 409
    Idempotency-Key in flight, 413 body over 1 MiB, 415 not JSON, 422 Idempotency-Key reused with
    another body, 429 rate-limited (Retry-After), 503 database unavailable
Idempotency: POST with Idempotency-Key: the first answer replayed for 24 h (shared/public_api/idempotency.py)
Writes: teams/{teamId}/contacts/{id}, teams/{teamId}/apiKeys/{keyId}/idempotencyKeys/{digest}
    (expireAt: 24 h), usage and rate counters of the key (as api_keys_validate)
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.public_api.server import serve


@https_fn.on_request()
def public_api(request: Request) -> Response:
    return serve(request)
