"""The sync engine: configurations in the seed's names (SyncConfiguration...), runs, conflicts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, Strict, StringConstraints, model_validator

from shared.models.base import (
    Cursor,
    DocumentId,
    InputModel,
    ListLimit,
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
    limit: ListLimit = 50
    cursor: Cursor | None = None


class SyncConfigRef(InputModel):
    team_id: TeamId
    config_id: DocumentId


Count = Annotated[int, Field(ge=0, le=1_000_000_000)]


class SyncAttemptLog(InputModel):
    """Seed: logSyncAttempt(teamId, configId, success), with optional counts for runs made elsewhere."""

    team_id: TeamId
    config_id: DocumentId
    success: bool
    pulled: Count | None = None
    pushed: Count | None = None
    created: Count | None = None
    updated: Count | None = None
    failed: Count | None = None
    error: Annotated[str, StringConstraints(max_length=2000)] | None = None


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    # Finished, but some records failed (each counted in `failed`, the first reasons in `error`).
    PARTIAL = "partial"
    FAILED = "failed"


class RunTrigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    # Recorded with logSyncAttempt for a run made elsewhere.
    EXTERNAL = "external"


ACTIVE_STATUSES = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})


class RunCounts(PublicModel):
    pulled: int = 0
    pushed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    failed: int = 0


class SyncRunNow(InputModel):
    team_id: TeamId
    config_id: DocumentId


class SyncRunQueued(PublicModel):
    run_id: str
    # False when a run of the configuration was already going: the answer names that run.
    created: bool


class SyncRunsListQuery(InputModel):
    team_id: TeamId
    config_id: DocumentId | None = None
    limit: ListLimit = 50
    cursor: Cursor | None = None


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ConflictChoice(StrEnum):
    """How an open conflict is settled."""

    LOCAL = "local"
    REMOTE = "remote"
    MERGE = "merge"


class SyncConflictsListQuery(InputModel):
    team_id: TeamId
    config_id: DocumentId | None = None
    status: Annotated[ConflictStatus, Strict(False)] | None = None
    limit: ListLimit = 50
    cursor: Cursor | None = None


class SyncConflictResolve(InputModel):
    """`local` or `remote` wins every field of the conflict; `merge` gives each field's value."""

    team_id: TeamId
    conflict_id: DocumentId
    resolution: Annotated[ConflictChoice, Strict(False)]
    values: Annotated[dict[FieldName, Any], Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _values_go_with_merge(self) -> SyncConflictResolve:
        if (self.resolution is ConflictChoice.MERGE) != (self.values is not None):
            raise ValueError("values go with resolution merge, and merge needs values")
        return self


class SyncRemoteFieldsQuery(InputModel):
    team_id: TeamId
    integration_id: DocumentId


class RemoteField(PublicModel):
    name: str
    label: str
    type: str


class RemoteFieldList(PublicModel):
    items: list[RemoteField]


class SyncFieldMappingDoc(StoredModel):
    local_field: str
    remote_field: str
    transformer: str | None = None
    bidirectional: bool


class SyncConfigDoc(StoredModel):
    """`teams/{teamId}/syncConfigs/{configId}`: the seed's fields, and the engine's state."""

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
    created_by: str
    updated_at: datetime
    # When the scheduler next queues a run (indexed with `enabled`): a due set, never a scan.
    next_run_at: datetime | None = None
    # Where each side is read from next: the remote's cursor (the adapter's own) and the local one.
    pull_cursor: dict[str, Any] = Field(default_factory=dict)
    push_cursor: dict[str, Any] = Field(default_factory=dict)
    # The run that holds the configuration (one at a time), and until when its hold lasts.
    active_run_id: str | None = None
    active_until: datetime | None = None
    last_run_status: RunStatus | None = None


class SyncRunDoc(StoredModel):
    """`teams/{teamId}/syncRuns/{runId}`: one run, its progress and its outcome."""

    id: str
    team_id: str
    config_id: str
    integration_id: str
    status: RunStatus
    trigger: RunTrigger
    counts: RunCounts = Field(default_factory=RunCounts)
    # pull -> deletions -> push -> done; a continuation resumes in its phase, at `phase_cursor` for the
    # deletions scan (the other phases keep their cursors on the configuration).
    phase: str = "pull"
    phase_cursor: dict[str, Any] = Field(default_factory=dict)
    # The signposts: no remote (local) cursor moves past them; what changed later is read by the next run.
    bound: datetime | None = None
    local_bound: datetime | None = None
    # The first reasons records failed (no values, no secrets).
    failures: list[str] = Field(default_factory=list)
    pages: int = 0
    continuations: int = 0
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None


class SyncRunPublic(PublicModel):
    id: str
    config_id: str
    integration_id: str
    status: RunStatus
    trigger: RunTrigger
    pulled: int
    pushed: int
    created: int
    updated: int
    unchanged: int
    conflicts: int
    failed: int
    phase: str
    pages: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None


class ConflictField(PublicModel):
    local_field: str
    remote_field: str
    local_value: Any = None
    remote_value: Any = None
    base_value: Any = None


class SyncConflictDoc(StoredModel):
    """`teams/{teamId}/syncConflicts/{conflictId}`: fields changed on both sides, held until resolved."""

    id: str
    team_id: str
    config_id: str
    contact_id: str
    remote_id: str
    status: ConflictStatus
    fields: list[ConflictField]
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None
    resolved_by: str | None = None


class SyncConflictPublic(PublicModel):
    id: str
    config_id: str
    contact_id: str
    remote_id: str
    status: ConflictStatus
    fields: list[ConflictField]
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None


class SyncFieldMappingPublic(PublicModel):
    local_field: str
    remote_field: str
    transformer: str | None = None
    bidirectional: bool


class SyncConfigPublic(PublicModel):
    """Seed: SyncConfiguration (and when the next scheduled run is due, how the last one ended)."""

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
    next_run_at: datetime | None = None
    active_run_id: str | None = None
    last_run_status: RunStatus | None = None


class SyncConfigDeleted(PublicModel):
    id: str
    deleted: bool = True
    existed: bool
