"""The public API a team exposes to key holders, in the seed's names (RESTAPIEndpoint, GraphQLSchema)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, Strict, StringConstraints

from shared.models.api_keys import ApiKeyScope
from shared.models.base import (
    Cursor,
    DocumentId,
    InputModel,
    ListLimit,
    PublicModel,
    StoredModel,
    TeamId,
)

# Literal segments only (no parameters): one to eight of letters, digits, `_` and `-`.
MAX_PATH_SEGMENTS = 8
EndpointPath = Annotated[
    str,
    StringConstraints(
        min_length=2, max_length=MAX_PATH_SEGMENTS * 65, pattern=r"^(/[A-Za-z0-9_-]{1,64}){1,8}$"
    ),
]
# The seed's four methods.
EndpointMethod = Literal["GET", "POST", "PUT", "DELETE"]
ScopeName = Annotated[ApiKeyScope, Strict(False)]
Scopes = Annotated[list[ScopeName], Field(max_length=len(ApiKeyScope))]
# `custom.<name>`: the team's own event types, apart from the product's (`ticket.created`...).
CustomEventType = Annotated[
    str, StringConstraints(min_length=8, max_length=71, pattern=r"^custom\.[a-z0-9][a-z0-9_.-]{0,63}$")
]


def _no_dot_segments(path: str) -> str:
    if any(segment in {".", ".."} for segment in path.split("/")):
        raise ValueError("must not have . or .. segments")
    return path


# A path under the integration's `baseUrl`: no `.` or `..` segment, no query (the request's own is
# passed on).
ProxyPath = Annotated[
    str,
    StringConstraints(min_length=1, max_length=512, pattern=r"^/[A-Za-z0-9/_.~-]*$"),
    AfterValidator(_no_dot_segments),
]


class TargetType(StrEnum):
    EVENT = "event"
    PROXY = "proxy"


class EndpointTarget(InputModel):
    """What the endpoint does: `event` (`eventType`) or `proxy` (`integrationId`, `path`). One model
    with the fields of both, checked per type by the service, so that a missing field is named
    `target.<field>` (a discriminated union would name it `target.<type>.<field>`)."""

    type: Annotated[TargetType, Strict(False)]
    event_type: CustomEventType | None = None
    integration_id: DocumentId | None = None
    path: ProxyPath | None = None


class RestEndpointCreate(InputModel):
    """Seed: createRESTEndpoint(teamId, Omit<RESTAPIEndpoint, 'id' | 'createdAt' | 'updatedAt'>).

    `schema` is a JSON Schema (2020-12) the request body must satisfy; `public` endpoints need no API
    key; a key must hold every one of `scopes` (`admin:full` grants all).
    """

    team_id: TeamId
    path: EndpointPath
    method: EndpointMethod
    scopes: Scopes = Field(default_factory=list)
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    public: bool = False
    target: EndpointTarget


class RestEndpointRef(InputModel):
    team_id: TeamId
    endpoint_id: DocumentId


class RestEndpointListQuery(InputModel):
    team_id: TeamId
    limit: ListLimit = 50
    cursor: Cursor | None = None


class StoredTarget(StoredModel):
    type: TargetType
    event_type: str | None = None
    integration_id: str | None = None
    path: str | None = None


class RestEndpointDoc(StoredModel):
    """`teams/{teamId}/restEndpoints/{endpointId}`, the id a digest of (method, path): one endpoint per
    path and method, however many create it at once."""

    id: str
    team_id: str
    path: str
    method: EndpointMethod
    scopes: list[str]
    # The schema as JSON text: Firestore maps would reorder keys and refuse some (`$ref`-like names
    # are fine, but empty keys and deep nesting are not).
    schema_text: str | None = None
    public: bool = False
    enabled: bool = True
    target: StoredTarget
    created_by: str
    created_at: datetime
    updated_at: datetime


class TargetPublic(PublicModel):
    type: TargetType
    event_type: str | None = None
    integration_id: str | None = None
    path: str | None = None


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
    target: TargetPublic
    created_at: datetime
    updated_at: datetime


class RestEndpointDeleted(PublicModel):
    id: str
    deleted: Literal[True] = True
    # False when there was nothing to delete (a repeated call): deleting is idempotent.
    existed: bool


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
    """getGraphQLSchema: the active schema, or the version `schemaId` (active or not)."""

    team_id: TeamId
    schema_id: DocumentId | None = None


class GraphqlSchemaRestore(InputModel):
    """Make an earlier version (`schemaId`) the team's active schema."""

    team_id: TeamId
    schema_id: DocumentId


class GraphqlSchemaDoc(StoredModel):
    """`teams/{teamId}/graphqlSchemas/{schemaId}`: one version, never rewritten. The resolver map is
    JSON text: its `where` lists are arrays of arrays, which Firestore cannot store."""

    id: str
    team_id: str
    type_defs: str
    resolvers_text: str | None = None
    complexity_limit: int | None = None
    depth_limit: int | None = None
    introspection: bool
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime


class GraphqlSchemaPublic(PublicModel):
    """Seed: GraphQLSchema, and whether this version is the active one."""

    id: str
    team_id: str
    type_defs: str
    resolvers: dict[str, Any] | None = None
    complexity_limit: int | None = None
    depth_limit: int | None = None
    introspection: bool
    # Whether this version is the one `public_graphql` serves.
    active: bool
    created_at: datetime
    updated_at: datetime


class NoGraphqlSchema(PublicModel):
    """getGraphQLSchema's `null`: the team has no active schema (the default schema is served)."""

    def to_wire(self) -> Any:
        return None


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
