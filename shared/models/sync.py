"""Sync configuration in the seed's names (SyncConfiguration, SyncFieldMapping, logSyncAttempt)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, Strict, StringConstraints

from shared.models.base import (
    DocumentId,
    InputModel,
    PublicModel,
    StoredModel,
    TeamId,
    not_null,
    requires_a_change,
)


class SyncDirection(StrEnum):
    PULL = "pull"
    PUSH = "push"
    BIDIRECTIONAL = "bidirectional"


class ConflictResolution(StrEnum):
    LOCAL = "local"
    REMOTE = "remote"
    MANUAL = "manual"


# A field path on either side (`email`, `address.city`, `hs_lead_status`).
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.]+$")]
# The seed's "optional JS transform function" is a declarative pipeline here (`trim | lowercase`): no
# code is ever evaluated. The sync engine parses it; the model only bounds its size.
TransformerText = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
# Milliseconds between scheduled runs, as the seed has it; at least a minute, at most a week.
Frequency = Annotated[int, Field(ge=60_000, le=604_800_000)]
Direction = Annotated[SyncDirection, Strict(False)]
Resolution = Annotated[ConflictResolution, Strict(False)]


class SyncFieldMapping(InputModel):
    """Seed: SyncFieldMapping. `bidirectional: false` in a bidirectional configuration pulls only."""

    local_field: FieldName
    remote_field: FieldName
    transformer: TransformerText | None = None
    bidirectional: bool


FieldMappings = Annotated[list[SyncFieldMapping], Field(min_length=1, max_length=200)]


class SyncConfigCreate(InputModel):
    """Seed: createSyncConfig(teamId, Omit<SyncConfiguration, 'id' | 'createdAt' | 'updatedAt'>)."""

    team_id: TeamId
    integration_id: DocumentId
    enabled: bool = True
    sync_direction: Direction
    frequency: Frequency
    field_mappings: FieldMappings
    conflict_resolution: Resolution


class SyncConfigUpdate(InputModel):
    """Seed: updateSyncConfig(teamId, configId, Partial<SyncConfiguration>)."""

    team_id: TeamId
    config_id: DocumentId
    enabled: bool | None = None
    sync_direction: Direction | None = None
    frequency: Frequency | None = None
    field_mappings: FieldMappings | None = None
    conflict_resolution: Resolution | None = None

    _not_null = not_null("enabled", "sync_direction", "frequency", "field_mappings", "conflict_resolution")
    _requires_a_change = requires_a_change("team_id", "config_id")


class SyncConfigListQuery(InputModel):
    """Seed: getSyncConfigurations(teamId, integrationId?)."""

    team_id: TeamId
    integration_id: DocumentId | None = None


class SyncAttemptLog(InputModel):
    """Seed: logSyncAttempt(teamId, configId, success), with optional counts for runs made elsewhere."""

    team_id: TeamId
    config_id: DocumentId
    success: bool
    records_processed: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = None
    records_failed: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = None
    error: Annotated[str, StringConstraints(max_length=2000)] | None = None


class SyncFieldMappingDoc(StoredModel):
    local_field: str
    remote_field: str
    transformer: str | None = None
    bidirectional: bool


class SyncConfigDoc(StoredModel):
    """`teams/{teamId}/syncConfigs/{configId}`."""

    id: str
    team_id: str
    integration_id: str
    enabled: bool
    sync_direction: SyncDirection
    frequency: int
    field_mappings: list[SyncFieldMappingDoc]
    conflict_resolution: ConflictResolution
    last_sync_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class SyncFieldMappingPublic(PublicModel):
    local_field: str
    remote_field: str
    transformer: str | None = None
    bidirectional: bool


class SyncConfigPublic(PublicModel):
    """Seed: SyncConfiguration."""

    id: str
    team_id: str
    integration_id: str
    enabled: bool
    sync_direction: SyncDirection
    frequency: int
    last_sync_at: datetime | None = None
    field_mappings: list[SyncFieldMappingPublic]
    conflict_resolution: ConflictResolution
    created_at: datetime
    updated_at: datetime
