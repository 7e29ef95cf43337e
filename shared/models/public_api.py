"""The public API a team exposes to key holders, in the seed's names (RESTAPIEndpoint, GraphQLSchema)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, StringConstraints

from shared.models.api_keys import ApiKeyScope
from shared.models.base import DocumentId, InputModel, PublicModel, StoredModel, TeamId

EndpointPath = Annotated[
    str, StringConstraints(min_length=1, max_length=512, pattern=r"^/[A-Za-z0-9/_{}.-]*$")
]
# The seed's four methods.
EndpointMethod = Literal["GET", "POST", "PUT", "DELETE"]
ScopeName = Annotated[ApiKeyScope, Strict(False)]
Scopes = Annotated[list[ScopeName], Field(max_length=len(ApiKeyScope))]


class RestEndpointCreate(InputModel):
    """Seed: createRESTEndpoint(teamId, Omit<RESTAPIEndpoint, 'id' | 'createdAt' | 'updatedAt'>).

    `schema` is a JSON Schema the request body must satisfy; `public` endpoints need no API key.
    """

    team_id: TeamId
    path: EndpointPath
    method: EndpointMethod
    scopes: Scopes
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    public: bool = False


class RestEndpointRef(InputModel):
    team_id: TeamId
    endpoint_id: DocumentId


class RestEndpointListQuery(InputModel):
    team_id: TeamId


class RestEndpointDoc(StoredModel):
    """`teams/{teamId}/restEndpoints/{endpointId}`."""

    id: str
    team_id: str
    path: str
    method: EndpointMethod
    scopes: list[str]
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    public: bool = False
    enabled: bool = True
    created_at: datetime
    updated_at: datetime


class RestEndpointPublic(PublicModel):
    """Seed: RESTAPIEndpoint."""

    id: str
    team_id: str
    path: str
    method: EndpointMethod
    scopes: list[str]
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    public: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime


TypeDefs = Annotated[str, StringConstraints(min_length=1, max_length=200_000)]


class GraphqlSchemaSet(InputModel):
    """Seed: setGraphQLSchema(teamId, Omit<GraphQLSchema, 'id' | 'createdAt' | 'updatedAt'>).

    `typeDefs` is SDL; `resolvers` are declarative (data, never code); the limits bound one query.
    """

    team_id: TeamId
    type_defs: TypeDefs
    resolvers: Annotated[dict[str, Any], Field(max_length=500)] | None = None
    complexity_limit: Annotated[int, Field(ge=1, le=100_000)] | None = None
    depth_limit: Annotated[int, Field(ge=1, le=50)] | None = None
    introspection: bool = False


class GraphqlSchemaQuery(InputModel):
    team_id: TeamId


class GraphqlSchemaDoc(StoredModel):
    """`teams/{teamId}/graphqlSchemas/{schemaId}`."""

    id: str
    team_id: str
    type_defs: str
    resolvers: dict[str, Any] | None = None
    complexity_limit: int | None = None
    depth_limit: int | None = None
    introspection: bool
    created_at: datetime
    updated_at: datetime


class GraphqlSchemaPublic(PublicModel):
    """Seed: GraphQLSchema."""

    id: str
    team_id: str
    type_defs: str
    resolvers: dict[str, Any] | None = None
    complexity_limit: int | None = None
    depth_limit: int | None = None
    introspection: bool
    created_at: datetime
    updated_at: datetime


# ------------------------------------------------------------------ the REST API's own records


class IdempotencyState(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class IdempotencyRecordDoc(StoredModel):
    """`teams/{teamId}/apiKeys/{keyId}/idempotencyKeys/{digest}`: one `Idempotency-Key` of one key on
    one route. Server only; a TTL policy on `expireAt` removes it (expiry is also checked in code)."""

    id: str
    state: IdempotencyState
    fingerprint: str
    method: str
    route: str
    # The id a create made under this key uses, fixed at the first claim: a retaken claim creates the
    # same record, never a second one.
    resource_id: str
    claimed_at: datetime
    attempt: int = 1
    status: int | None = None
    # The first answer's JSON, as text (any JSON the handler answered, never a Firestore map).
    body: str | None = None
    # The first answer's own headers (`Location`), replayed with it.
    headers: dict[str, str] = Field(default_factory=dict)
    created_at: datetime
    expire_at: datetime
