"""The team's active GraphQL schema (seed: getGraphQLSchema), or null; with schemaId, that version.

Trigger: callable
Input: GraphqlSchemaQuery   Output: GraphqlSchemaPublic or null (no schema of the team's: the default
        schema is served)
Errors: unauthenticated, invalid-argument, permission-denied (members), not-found (schemaId)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.graphql.service import get_schema
from shared.models.public_api import GraphqlSchemaQuery


@rejects_malformed_json
@https_fn.on_call()
def graphql_schema_get(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, GraphqlSchemaQuery, get_schema)
