"""The sync callables: configurations (the seed's createSyncConfig...), runs, conflicts, remote fields.

Members read; admins and owners write. A configuration is checked whole when saved: its integration is a
CRM the engine speaks, each transformer parses (and has an inverse where the mapping is two-way), no local
field is mapped twice or is one the engine keeps for itself, no remote field is pushed by two mappings,
and, when the CRM answers, every remote field exists there. Any refusal names the field and writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared import errors, outbound
from shared.auth import Caller, require_admin, require_member
from shared.connectors.crm import CrmError
from shared.integrations.service import load as load_integration
from shared.models.base import Page
from shared.models.sync import (
    ConflictChoice,
    ConflictStatus,
    RemoteFieldList,
    RunCounts,
    RunStatus,
    RunTrigger,
    SyncAttemptLog,
    SyncConfigCreate,
    SyncConfigDeleted,
    SyncConfigDoc,
    SyncConfigListQuery,
    SyncConfigPublic,
    SyncConfigRef,
    SyncConfigUpdate,
    SyncConflictDoc,
    SyncConflictPublic,
    SyncConflictResolve,
    SyncConflictsListQuery,
    SyncDirection,
    SyncFieldMapping,
    SyncFieldMappingDoc,
    SyncRemoteFieldsQuery,
    SyncRunDoc,
    SyncRunNow,
    SyncRunPublic,
    SyncRunQueued,
    SyncRunsListQuery,
)
from shared.pagination import decode_cursor, page_of
from shared.store import sync as store
from shared.sync import engine, runs, transformers
from shared.sync.connection import provider_of, remote_of_integration

# ---------------------------------------------------------------- configurations


def to_public(config: SyncConfigDoc) -> SyncConfigPublic:
    return SyncConfigPublic(
        **config.model_dump(
            exclude={"field_mappings", "pull_cursor", "push_cursor", "active_until", "created_by"},
        ),
        field_mappings=[mapping.model_dump() for mapping in config.field_mappings],
    )


def _check_mappings(mappings: list[SyncFieldMapping], direction: SyncDirection) -> list[SyncFieldMapping]:
    """The mappings as stored (each transformer in its canonical text), or invalid-argument naming the
    first bad field. Local checks only: the CRM is asked afterwards, for remote fields alone."""
    seen: set[str] = set()
    pushed: set[str] = set()
    checked = []
    for index, mapping in enumerate(mappings):
        where = f"fieldMappings[{index}]"
        two_way = direction is SyncDirection.PUSH or (
            direction is SyncDirection.BIDIRECTIONAL and mapping.bidirectional
        )
        if mapping.local_field in engine.RESERVED_LOCAL_FIELDS or mapping.local_field.split(".")[0] == "sync":
            raise errors.InvalidArgument(
                f"{where}.localField: the engine keeps this field for itself", field=f"{where}.localField"
            )
        if mapping.local_field in seen:
            raise errors.InvalidArgument(f"{where}.localField: mapped twice", field=f"{where}.localField")
        seen.add(mapping.local_field)
        if two_way and mapping.remote_field in pushed:
            # Two local values for one remote field: the CRM would keep one, and its next pull would
            # overwrite the other locally. One remote field may fill several local fields pulled only.
            raise errors.InvalidArgument(
                f"{where}.remoteField: pushed by two mappings", field=f"{where}.remoteField"
            )
        if two_way:
            pushed.add(mapping.remote_field)
        transformer = mapping.transformer
        if transformer is not None:
            try:
                transformer = transformers.check_mapping(transformer, pushes=two_way).canonical or None
            except transformers.TransformerError as error:
                raise errors.InvalidArgument(
                    f"{where}.transformer: {error}", field=f"{where}.transformer"
                ) from None
        checked.append(mapping.model_copy(update={"transformer": transformer}))
    return checked


def _check_remote_fields(mappings: list[SyncFieldMapping], remote_names: set[str] | None) -> None:
    if remote_names is None:
        return
    for index, mapping in enumerate(mappings):
        if mapping.remote_field not in remote_names:
            field = f"fieldMappings[{index}].remoteField"
            raise errors.InvalidArgument(
                f"{field}: {mapping.remote_field} is not a field of the CRM's contacts", field=field
            )


def _remote_field_names(team_id: str, integration_id: str, user_id: str) -> set[str] | None:
    """The CRM's contact fields, or None when it does not answer (the configuration is then saved on
    trust, and a run reports a field the CRM does not know)."""
    try:
        return {item.name for item in remote_of_integration(team_id, integration_id, user_id).fields()}
    except (CrmError, outbound.OutboundError, errors.Unavailable, errors.FailedPrecondition):
        return None


def create_config(caller: Caller, data: SyncConfigCreate) -> SyncConfigPublic:
    require_admin(caller, data.team_id)
    integration = load_integration(data.team_id, data.integration_id)
    provider_of(integration)
    if store.configs_of_integration(data.team_id, data.integration_id, limit=1):
        raise errors.AlreadyExists("this integration has a sync configuration already", field="integrationId")
    mappings = _check_mappings(list(data.field_mappings), data.sync_direction)
    _check_remote_fields(mappings, _remote_field_names(data.team_id, data.integration_id, caller.uid))
    now = datetime.now(UTC)
    config = SyncConfigDoc(
        id=store.new_config_id(data.team_id),
        team_id=data.team_id,
        integration_id=data.integration_id,
        enabled=data.enabled,
        sync_direction=data.sync_direction,
        frequency=data.frequency,
        field_mappings=[SyncFieldMappingDoc(**mapping.model_dump()) for mapping in mappings],
        conflict_resolution=data.conflict_resolution,
        created_at=now,
        created_by=caller.uid,
        updated_at=now,
        # The first scheduled run comes at the next tick.
        next_run_at=now if data.enabled else None,
    )
    store.create_config(config)
    return to_public(config)


def list_configs(caller: Caller, data: SyncConfigListQuery) -> Page[SyncConfigPublic]:
    require_member(caller, data.team_id)
    after = decode_cursor(data.cursor) if data.cursor else None
    found = store.list_configs(data.team_id, data.integration_id, data.limit + 1, after)
    return page_of(found, data.limit, to_public, lambda config: (config.created_at, config.id))


def get_config(caller: Caller, data: SyncConfigRef) -> SyncConfigPublic:
    require_member(caller, data.team_id)
    return to_public(_load(data.team_id, data.config_id))


def _load(team_id: str, config_id: str) -> SyncConfigDoc:
    config = store.get_config(team_id, config_id)
    if config is None:
        raise errors.NotFound("sync configuration not found", field="configId")
    return config


def update_config(caller: Caller, data: SyncConfigUpdate) -> SyncConfigPublic:
    require_admin(caller, data.team_id)
    current = _load(data.team_id, data.config_id)
    given = data.model_fields_set
    direction = (
        data.sync_direction if "sync_direction" in given and data.sync_direction else current.sync_direction
    )
    checked: list[SyncFieldMapping] | None = None
    if "field_mappings" in given or "sync_direction" in given:
        mappings = (
            list(data.field_mappings)
            if data.field_mappings is not None
            else [
                SyncFieldMapping.model_validate(item.model_dump(by_alias=True))
                for item in current.field_mappings
            ]
        )
        checked = _check_mappings(mappings, direction)
        if "field_mappings" in given:
            _check_remote_fields(
                checked, _remote_field_names(data.team_id, current.integration_id, caller.uid)
            )

    def change(config: SyncConfigDoc) -> SyncConfigDoc:
        updates: dict[str, Any] = {"updated_at": datetime.now(UTC)}
        for name in ("enabled", "sync_direction", "frequency", "conflict_resolution"):
            if name in given:
                updates[name] = getattr(data, name)
        if "field_mappings" in given and data.field_mappings is not None:
            updates["field_mappings"] = [
                SyncFieldMappingDoc(**mapping.model_dump()) for mapping in data.field_mappings
            ]
        merged = config.model_copy(update=updates)
        if not merged.enabled:
            merged.next_run_at = None
        elif "enabled" in given or "frequency" in given:
            last = config.last_sync_at or datetime.now(UTC)
            merged.next_run_at = max(last + timedelta(milliseconds=merged.frequency), datetime.now(UTC))
        return merged

    updated = store.update_config(data.team_id, data.config_id, change)
    assert updated is not None
    return to_public(updated)


def delete_config(caller: Caller, data: SyncConfigRef) -> SyncConfigDeleted:
    """Idempotent; a run in progress stops at its next page (its configuration is gone)."""
    require_admin(caller, data.team_id)
    return SyncConfigDeleted(id=data.config_id, existed=store.delete_config(data.team_id, data.config_id))


def log_attempt(caller: Caller, data: SyncAttemptLog) -> SyncRunPublic:
    """Seed: logSyncAttempt, for a run made elsewhere: recorded as a run with trigger `external`."""
    require_admin(caller, data.team_id)
    config = _load(data.team_id, data.config_id)
    now = datetime.now(UTC)
    counts = RunCounts(
        **{
            name: value
            for name in ("pulled", "pushed", "created", "updated", "failed")
            if (value := getattr(data, name)) is not None
        }
    )
    run = SyncRunDoc(
        id=store.new_run_id(data.team_id),
        team_id=data.team_id,
        config_id=config.id,
        integration_id=config.integration_id,
        status=RunStatus.SUCCEEDED if data.success else RunStatus.FAILED,
        trigger=RunTrigger.EXTERNAL,
        counts=counts,
        phase="done",
        created_at=now,
        started_at=now,
        finished_at=now,
        error=data.error,
    )
    store.put_run(run)
    if data.success:
        store.update_config_fields(data.team_id, config.id, {"lastSyncAt": now})
    return run_public(run)


# ---------------------------------------------------------------- runs


def run_public(run: SyncRunDoc) -> SyncRunPublic:
    return SyncRunPublic(
        **run.model_dump(
            exclude={"counts", "team_id", "phase_cursor", "bound", "local_bound", "failures", "continuations"}
        ),
        **run.counts.model_dump(),
    )


def run_now(caller: Caller, data: SyncRunNow) -> SyncRunQueued:
    require_admin(caller, data.team_id)
    run_id, created = runs.start(data.team_id, data.config_id, RunTrigger.MANUAL)
    if run_id is None:
        raise errors.Aborted("the configuration is busy; try again")
    return SyncRunQueued(run_id=run_id, created=created)


def list_runs(caller: Caller, data: SyncRunsListQuery) -> Page[SyncRunPublic]:
    require_member(caller, data.team_id)
    after = decode_cursor(data.cursor) if data.cursor else None
    found = store.list_runs(data.team_id, data.config_id, data.limit + 1, after)
    return page_of(found, data.limit, run_public, lambda run: (run.created_at, run.id))


# ---------------------------------------------------------------- conflicts


def conflict_public(conflict: SyncConflictDoc) -> SyncConflictPublic:
    return SyncConflictPublic(**conflict.model_dump(exclude={"team_id", "resolved_by"}))


def list_conflicts(caller: Caller, data: SyncConflictsListQuery) -> Page[SyncConflictPublic]:
    require_member(caller, data.team_id)
    after = decode_cursor(data.cursor) if data.cursor else None
    status = data.status.value if data.status else None
    found = store.list_conflicts(data.team_id, data.config_id, status, data.limit + 1, after)
    return page_of(found, data.limit, conflict_public, lambda conflict: (conflict.created_at, conflict.id))


def resolve_conflict(caller: Caller, data: SyncConflictResolve) -> SyncConflictPublic:
    """Apply the choice to the local contact at once and close the conflict; the next run pushes what
    the CRM must now hold (the chosen value differs from the last synced one, so it goes out)."""
    require_admin(caller, data.team_id)
    conflict = store.get_conflict(data.team_id, data.conflict_id)
    if conflict is None:
        raise errors.NotFound("conflict not found", field="conflictId")
    if conflict.status is not ConflictStatus.OPEN:
        raise errors.FailedPrecondition("the conflict is resolved already", field="conflictId")
    fields = {item.local_field: item for item in conflict.fields}
    if data.values is not None:
        for name in data.values:
            if name not in fields:
                raise errors.InvalidArgument(
                    f"values.{name}: not a field of this conflict", field=f"values.{name}"
                )
        missing = sorted(set(fields) - set(data.values))
        if missing:
            raise errors.InvalidArgument(
                f"values.{missing[0]}: give a value for every field", field=f"values.{missing[0]}"
            )
    chosen: dict[str, Any] = {}
    for name, item in fields.items():
        if data.resolution is ConflictChoice.REMOTE:
            chosen[name] = item.remote_value
        elif data.resolution is ConflictChoice.LOCAL:
            chosen[name] = item.local_value
        else:
            chosen[name] = (data.values or {})[name]
    resolved = engine.apply_resolution(conflict, chosen, caller.uid, data.resolution.value)
    return conflict_public(resolved)


# ---------------------------------------------------------------- remote fields


def remote_fields(caller: Caller, data: SyncRemoteFieldsQuery) -> RemoteFieldList:
    require_member(caller, data.team_id)
    integration = load_integration(data.team_id, data.integration_id)
    provider_of(integration)
    try:
        found = remote_of_integration(data.team_id, data.integration_id, caller.uid).fields()
    except CrmError as error:
        raise errors.Unavailable(f"the CRM did not list its fields: {error.message}") from None
    return RemoteFieldList(items=sorted(found, key=lambda item: item.name))
