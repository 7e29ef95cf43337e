"""The key holders' GraphQL API: the team's schema (or the default one) over its helpdesk data.

Trigger: https GET and POST .../public_graphql (and /api/graphql behind a Hosting rewrite)
Input: Authorization: Bearer jk_live_...; POST application/json {query, variables?, operationName?} or
    GET ?query=&variables=&operationName= (queries only)
Output: application/graphql-response+json (application/json when Accept names only it):
    {data, errors?, extensions: {cost: {requestedQueryCost, limit, roundTrips}}}
Errors: 400 unparseable request or document, 401 no valid key, 404 path, 405 method (a mutation over
    GET), 413 body over 1 MiB, 415 not JSON, 422 document failing validation or our limits (depth,
    aliases, first, cost, introspection), 429 rate-limited (Retry-After); field errors (FORBIDDEN,
    BAD_USER_INPUT, NOT_FOUND) in `errors` of a 200
Idempotency: queries read only; mutations are the REST API's writes (a retried createTicket creates
    another ticket: GraphQL has no Idempotency-Key)
Writes: through mutations, teams/{teamId}/tickets/{id}, .../tickets/{id}/comments/{id},
    teams/{teamId}/contacts/{id}; usage and rate counters of the key (as api_keys_validate)
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.graphql.server import serve


@https_fn.on_request()
def public_graphql(request: Request) -> Response:
    return serve(request)
