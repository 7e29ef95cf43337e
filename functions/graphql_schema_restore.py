"""Make an earlier version of the team's GraphQL schema the active one again.

Trigger: callable
Input: GraphqlSchemaRestore   Output: GraphqlSchemaPublic
Errors: unauthenticated, invalid-argument, permission-denied (admins), not-found (schemaId)
Idempotency: restoring the active version again changes nothing
Writes: teams/{teamId}.activeGraphqlSchemaId
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.graphql.service import restore_schema
from shared.models.public_api import GraphqlSchemaRestore


@rejects_malformed_json
@https_fn.on_call()
def graphql_schema_restore(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, GraphqlSchemaRestore, restore_schema)
