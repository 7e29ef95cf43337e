"""The public API a team exposes to its API-key holders: REST endpoints and a GraphQL schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, StringConstraints

from shared.models.api_keys import ApiKeyScope
from shared.models.base import Description, DocumentId, InputModel, PublicModel, StoredModel, TeamId

EndpointPath = Annotated[
    str, StringConstraints(min_length=1, max_length=512, pattern=r"^/[A-Za-z0-9/_{}.-]*$")
]
EndpointMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
ScopeName = Annotated[ApiKeyScope, Strict(False)]


class RestEndpointCreate(InputModel):
    """Seed: RESTAPIEndpoint. `requestSchema` is a JSON Schema the request body must satisfy."""

    team_id: TeamId
    path: EndpointPath
    method: EndpointMethod
    description: Description | None = None
    scopes: Annotated[list[ScopeName], Field(min_length=1, max_length=17)]
    request_schema: dict[str, Any] | None = None
    response_schema: dict[str, Any] | None = None
    is_public: bool = False
    enabled: bool = True


class RestEndpointRef(InputModel):
    team_id: TeamId
    endpoint_id: DocumentId


class RestEndpointListQuery(InputModel):
    team_id: TeamId


class RestEndpointDoc(StoredModel):
    id: str
    team_id: str
    path: str
    method: str
    description: str | None = None
    scopes: list[str]
    request_schema: dict[str, Any] | None = None
    response_schema: dict[str, Any] | None = None
    is_public: bool = False
    enabled: bool = True
    created_at: datetime
    updated_at: datetime


class RestEndpointPublic(PublicModel):
    id: str
    team_id: str
    path: str
    method: str
    description: str | None = None
    scopes: list[str]
    request_schema: dict[str, Any] | None = None
    response_schema: dict[str, Any] | None = None
    is_public: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime


class GraphqlSchemaSet(InputModel):
    """Seed: GraphQLSchema. `schema` is SDL; the limits bound what one query may cost."""

    team_id: TeamId
    schema_sdl: Annotated[str, StringConstraints(min_length=1, max_length=200_000)] = Field(alias="schema")
    max_depth: Annotated[int, Field(ge=1, le=50)] = 10
    max_complexity: Annotated[int, Field(ge=1, le=100_000)] = 1000
    introspection: bool = False


class GraphqlSchemaQuery(InputModel):
    team_id: TeamId


class GraphqlSchemaDoc(StoredModel):
    team_id: str
    schema_sdl: str = Field(alias="schema")
    max_depth: int
    max_complexity: int
    introspection: bool
    version: int
    updated_at: datetime
    updated_by: str


class GraphqlSchemaPublic(PublicModel):
    team_id: str
    schema_sdl: str = Field(alias="schema")
    max_depth: int
    max_complexity: int
    introspection: bool
    version: int
    updated_at: datetime
