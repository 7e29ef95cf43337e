"""The sync engine's configuration: direction, schedule, field mappings, conflict policy."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, StringConstraints

from shared.models.base import DocumentId, InputModel, PublicModel, StoredModel, TeamId, Timestamp


class SyncDirection(StrEnum):
    PULL = "pull"
    PUSH = "push"
    BIDIRECTIONAL = "bidirectional"


class ConflictResolution(StrEnum):
    LOCAL = "local"
    REMOTE = "remote"
    MANUAL = "manual"


FieldName = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.]+$")]


class Transformer(InputModel):
    """A safe, declarative transformation of one value (no code is ever evaluated)."""

    kind: Literal["lowercase", "uppercase", "trim", "default", "map", "split", "join", "date_format"]
    argument: Any = None


class SyncFieldMapping(InputModel):
    local_field: FieldName
    remote_field: FieldName
    direction: Annotated[SyncDirection, Strict(False)] = SyncDirection.BIDIRECTIONAL
    transformers: Annotated[list[Transformer], Field(max_length=10)] = Field(default_factory=list)
    required: bool = False


class SyncConfigCreate(InputModel):
    """Seed: SyncConfiguration."""

    team_id: TeamId
    integration_id: DocumentId
    connection_id: DocumentId | None = None
    object_type: Literal["contacts"] = "contacts"
    sync_direction: Annotated[SyncDirection, Strict(False)]
    field_mappings: Annotated[list[SyncFieldMapping], Field(min_length=1, max_length=200)]
    conflict_resolution: Annotated[ConflictResolution, Strict(False)] = ConflictResolution.REMOTE
    # Minutes between scheduled runs; 0 runs only on demand.
    interval_minutes: Annotated[int, Field(ge=0, le=10_080)] = 60
    enabled: bool = True


class SyncConfigUpdate(InputModel):
    team_id: TeamId
    config_id: DocumentId
    sync_direction: Annotated[SyncDirection, Strict(False)] | None = None
    field_mappings: Annotated[list[SyncFieldMapping], Field(min_length=1, max_length=200)] | None = None
    conflict_resolution: Annotated[ConflictResolution, Strict(False)] | None = None
    interval_minutes: Annotated[int, Field(ge=0, le=10_080)] | None = None
    enabled: bool | None = None


class SyncConfigListQuery(InputModel):
    team_id: TeamId
    integration_id: DocumentId | None = None


class SyncAttemptLog(InputModel):
    """Seed: logSyncAttempt: a run recorded by an admin or a worker."""

    team_id: TeamId
    config_id: DocumentId
    status: Literal["success", "partial", "failed"]
    records_processed: Annotated[int, Field(ge=0)] = 0
    records_failed: Annotated[int, Field(ge=0)] = 0
    error: Annotated[str, StringConstraints(max_length=2000)] | None = None
    started_at: Timestamp
    finished_at: Timestamp


class SyncConfigDoc(StoredModel):
    id: str
    team_id: str
    integration_id: str
    connection_id: str | None = None
    object_type: str
    sync_direction: SyncDirection
    field_mappings: list[dict[str, Any]]
    conflict_resolution: ConflictResolution
    interval_minutes: int
    enabled: bool
    # Incremental state: the remote cursor and the local high-water mark, saved after every page.
    cursor: dict[str, Any] = Field(default_factory=dict)
    last_sync_at: datetime | None = None
    last_status: str | None = None
    created_at: datetime
    updated_at: datetime


class SyncConfigPublic(PublicModel):
    id: str
    team_id: str
    integration_id: str
    connection_id: str | None = None
    object_type: str
    sync_direction: SyncDirection
    field_mappings: list[dict[str, Any]]
    conflict_resolution: ConflictResolution
    interval_minutes: int
    enabled: bool
    last_sync_at: datetime | None = None
    last_status: str | None = None
    created_at: datetime
    updated_at: datetime
