"""Save the team's GraphQL schema (seed: setGraphQLSchema) as a new version and make it the active one.

Trigger: callable
Input: GraphqlSchemaSet   Output: GraphqlSchemaPublic
Errors: unauthenticated, invalid-argument (typeDefs with line and column; resolvers.<Type.field>),
        permission-denied (admins)
Idempotency: none: each call saves a version (a retry saves an identical one, which is then active)
Writes: teams/{teamId}/graphqlSchemas/{schemaId}, teams/{teamId}.activeGraphqlSchemaId
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.graphql.service import set_schema
from shared.models.public_api import GraphqlSchemaSet


@rejects_malformed_json
@https_fn.on_call()
def graphql_schema_set(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, GraphqlSchemaSet, set_schema)
