"""The audit log: one record per request the product sends to a third party."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.models.base import Cursor, DocumentId, InputModel, PublicModel, StoredModel, TeamId, Timestamp

HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class RequestLogCreate(InputModel):
    """A request a team made elsewhere, recorded by an admin (seed: logIntegrationRequest)."""

    team_id: TeamId
    integration_id: DocumentId
    method: HttpMethod
    endpoint: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    status_code: Annotated[int, Field(ge=0, le=599)] | None = None
    duration: Annotated[float, Field(ge=0, le=3_600_000)]
    success: bool
    error: Annotated[str, StringConstraints(max_length=2000)] | None = None


class RequestLogQuery(InputModel):
    team_id: TeamId
    integration_id: DocumentId
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    cursor: Cursor | None = None
    success: bool | None = None
    since: Timestamp | None = None


class RequestLogDoc(StoredModel):
    """`teams/{teamId}/integrationLogs/{id}`; `expireAt` drives the TTL policy (30 days by default)."""

    id: str
    team_id: str
    integration_id: str
    method: str
    # Query-string secrets and URL credentials are removed before the record is written.
    endpoint: str
    status_code: int | None = None
    duration: float
    success: bool
    error: str | None = None
    user_id: str
    timestamp: datetime
    expire_at: datetime


class RequestLogPublic(PublicModel):
    id: str
    integration_id: str
    method: str
    endpoint: str
    status_code: int | None = None
    duration: float
    success: bool
    error: str | None = None
    user_id: str
    timestamp: datetime
