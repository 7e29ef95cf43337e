"""The sync engine's documents: configurations, runs, conflicts, links, the contact outbox and email index.

A run's page is written with `PageWrite`: the contacts it changes (each carrying its link under
`sync.{configId}`), the links indexed by remote id, conflicts, the run's counters and the configuration's
cursor, in as few batches as 500 writes allow, the cursor in the last one. So a page's checkpoint never
commits before its writes, and a crash between batches leaves writes that the redone page makes again
to the same values (every write here is idempotent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.transforms import ArrayRemove, ArrayUnion, Increment

from shared import errors
from shared.models.sweeps import DueItem
from shared.models.sync import SyncConfigDoc, SyncConflictDoc, SyncRunDoc
from shared.store import paging, paths, records
from shared.store.client import db, from_snapshot, translated_errors

BATCH_LIMIT = 450

# ---------------------------------------------------------------- configurations


def new_config_id(team_id: str) -> str:
    config_id: str = db().collection(paths.sync_configs(team_id)).document().id
    return config_id


def _config(snapshot: Any, team_id: str) -> SyncConfigDoc:
    return from_snapshot(SyncConfigDoc, snapshot, teamId=team_id)


def _body(model: Any) -> dict[str, Any]:
    body: dict[str, Any] = model.to_firestore()
    body.pop("teamId", None)
    return body


def create_config(config: SyncConfigDoc) -> None:
    with translated_errors():
        db().document(paths.sync_config(config.team_id, config.id)).create(_body(config))


def get_config(team_id: str, config_id: str) -> SyncConfigDoc | None:
    with translated_errors():
        snapshot = db().document(paths.sync_config(team_id, config_id)).get()
    return _config(snapshot, team_id) if snapshot.exists else None


def configs_of_integration(team_id: str, integration_id: str, limit: int = 2) -> list[SyncConfigDoc]:
    query = (
        db()
        .collection(paths.sync_configs(team_id))
        .where(filter=FieldFilter("integrationId", "==", integration_id))
        .limit(limit)
    )
    with translated_errors():
        return [_config(snapshot, team_id) for snapshot in query.stream()]


def list_configs(
    team_id: str, integration_id: str | None, limit: int, after: tuple[datetime, str] | None
) -> list[SyncConfigDoc]:
    """Newest first (by creation), optionally of one integration."""
    return records.page_newest_first(
        SyncConfigDoc,
        paths.sync_configs(team_id),
        {"integrationId": integration_id},
        after,
        limit,
        teamId=team_id,
    )


def update_config(
    team_id: str, config_id: str, change: Callable[[SyncConfigDoc], SyncConfigDoc | None]
) -> SyncConfigDoc | None:
    """Apply `change` in a transaction; it answers None to leave the configuration as it is.
    NotFound naming `configId` when there is none."""
    client = db()
    ref = client.document(paths.sync_config(team_id, config_id))

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> SyncConfigDoc | None:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            raise errors.NotFound("sync configuration not found", field="configId")
        changed = change(_config(snapshot, team_id))
        if changed is not None:
            transaction.set(ref, _body(changed))
        return changed

    with translated_errors():
        return apply(client.transaction())  # type: ignore[no-any-return]


def delete_config(team_id: str, config_id: str) -> bool:
    ref = db().document(paths.sync_config(team_id, config_id))
    with translated_errors():
        existed = bool(ref.get().exists)
        ref.delete()
        # Its link index goes with it (the contacts keep their copy of the link until unlinked).
        for link in ref.collection(paths.SYNC_LINKS).list_documents():
            link.delete()
    return existed


def configs_due(due_by: datetime, after: DueItem | None, limit: int) -> list[DueItem]:
    """A page of enabled configurations whose next run is due (index: enabled, nextRunAt)."""
    return paging.due_page(paths.SYNC_CONFIGS, "nextRunAt", due_by, after, limit, equal=("enabled", True))


# ---------------------------------------------------------------- runs


def new_run_id(team_id: str) -> str:
    run_id: str = db().collection(paths.sync_runs(team_id)).document().id
    return run_id


def _run(snapshot: Any, team_id: str) -> SyncRunDoc:
    return from_snapshot(SyncRunDoc, snapshot, teamId=team_id)


def get_run(team_id: str, run_id: str) -> SyncRunDoc | None:
    with translated_errors():
        snapshot = db().document(paths.sync_run(team_id, run_id)).get()
    return _run(snapshot, team_id) if snapshot.exists else None


def put_run(run: SyncRunDoc) -> None:
    with translated_errors():
        db().document(paths.sync_run(run.team_id, run.id)).set(_body(run))


def update_run(team_id: str, run_id: str, fields: dict[str, Any]) -> None:
    with translated_errors():
        db().document(paths.sync_run(team_id, run_id)).update(fields)


def claim_for_run(
    team_id: str,
    config_id: str,
    claim: Callable[[SyncConfigDoc], tuple[SyncConfigDoc | None, SyncRunDoc | None]],
) -> tuple[SyncConfigDoc, SyncRunDoc | None]:
    """In one transaction: `claim` sees the configuration and answers its new state (None: unchanged) and
    a run to create with it (None: none). One run holds a configuration at a time."""
    client = db()
    ref = client.document(paths.sync_config(team_id, config_id))

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> tuple[SyncConfigDoc, SyncRunDoc | None]:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            raise errors.NotFound("sync configuration not found", field="configId")
        current = _config(snapshot, team_id)
        changed, run = claim(current)
        if changed is not None:
            transaction.set(ref, _body(changed))
        if run is not None:
            transaction.create(client.document(paths.sync_run(team_id, run.id)), _body(run))
        return changed or current, run

    with translated_errors():
        return apply(client.transaction())  # type: ignore[no-any-return]


def list_runs(
    team_id: str, config_id: str | None, limit: int, after: tuple[datetime, str] | None
) -> list[SyncRunDoc]:
    """Newest first."""
    return records.page_newest_first(
        SyncRunDoc, paths.sync_runs(team_id), {"configId": config_id}, after, limit, teamId=team_id
    )


def update_config_fields(team_id: str, config_id: str, fields: dict[str, Any]) -> None:
    with translated_errors():
        db().document(paths.sync_config(team_id, config_id)).update(fields)


def finish(
    team_id: str, run: SyncRunDoc, config_fields: dict[str, Any], integration_fields: dict[str, Any]
) -> None:
    """The run's outcome, the configuration released and the integration's lastSyncAt, together."""
    client = db()
    batch = client.batch()
    batch.set(client.document(paths.sync_run(team_id, run.id)), _body(run))
    batch.update(client.document(paths.sync_config(team_id, run.config_id)), config_fields)
    if integration_fields:
        batch.update(client.document(paths.integration(team_id, run.integration_id)), integration_fields)
    with translated_errors():
        batch.commit()


# ---------------------------------------------------------------- conflicts


def _conflict(snapshot: Any, team_id: str) -> SyncConflictDoc:
    return from_snapshot(SyncConflictDoc, snapshot, teamId=team_id)


def get_conflict(team_id: str, conflict_id: str) -> SyncConflictDoc | None:
    with translated_errors():
        snapshot = db().document(paths.sync_conflict(team_id, conflict_id)).get()
    return _conflict(snapshot, team_id) if snapshot.exists else None


def list_conflicts(
    team_id: str, config_id: str | None, status: str | None, limit: int, after: tuple[datetime, str] | None
) -> list[SyncConflictDoc]:
    return records.page_newest_first(
        SyncConflictDoc,
        paths.sync_conflicts(team_id),
        {"configId": config_id, "status": status},
        after,
        limit,
        teamId=team_id,
    )


def resolve_conflict(
    team_id: str,
    conflict_id: str,
    contact_id: str,
    contact_fields: dict[str, Any],
    conflict_fields: dict[str, Any],
) -> None:
    """The chosen values on the contact, the contact in the outbox (the push sends them), the conflict
    closed: one batch."""
    client = db()
    batch = client.batch()
    batch.update(client.document(paths.contact(team_id, contact_id)), contact_fields)
    batch.set(
        client.document(paths.contact_change(team_id, contact_id)),
        {"changedAt": firestore.SERVER_TIMESTAMP, "deleted": False},
        merge=True,
    )
    batch.update(client.document(paths.sync_conflict(team_id, conflict_id)), conflict_fields)
    with translated_errors():
        batch.commit()


# ---------------------------------------------------------------- reads a page needs


def get_all(document_paths: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """{path: data or None} for each path, in one round trip."""
    client = db()
    refs = [client.document(path) for path in dict.fromkeys(document_paths)]
    if not refs:
        return {}
    with translated_errors():
        return {
            snapshot.reference.path: (snapshot.to_dict() or {}) if snapshot.exists else None
            for snapshot in client.get_all(refs)
        }


def changed_contacts(
    team_id: str, since: datetime | None, after_id: str | None, limit: int
) -> list[tuple[str, datetime, dict[str, Any]]]:
    """A page of the contact outbox, by (changedAt, contact id), from (`since`, after `after_id`)."""
    collection = db().collection(paths.contact_changes(team_id))
    query: Any = collection.order_by("changedAt").order_by("__name__")
    if since is not None:
        if after_id is not None:
            query = query.start_after({"changedAt": since, "__name__": collection.document(after_id)})
        else:
            query = query.where(filter=FieldFilter("changedAt", ">=", since))
    with translated_errors():
        snapshots = list(query.limit(limit).stream())
    return [(snapshot.id, snapshot.get("changedAt"), snapshot.to_dict() or {}) for snapshot in snapshots]


def scan_contact_emails(team_id: str) -> Iterable[tuple[str, Any]]:
    """(contact id, email) of every local contact: the index's fallback, one streamed read."""
    query = db().collection(paths.contacts(team_id)).select(["email"])
    with translated_errors():
        for snapshot in query.stream():
            yield snapshot.id, (snapshot.to_dict() or {}).get("email")


# ---------------------------------------------------------------- the outbox and the email index


def record_contact_change(
    team_id: str,
    contact_id: str,
    change: dict[str, Any] | None,
    email_moves: tuple[str | None, str | None],
) -> None:
    """The trigger's writes for one contact change: its outbox entry (`change`, None for an echo of the
    engine's own write) and its move in the email index (old key, new key)."""
    client = db()
    batch = client.batch()
    old_key, new_key = email_moves
    if old_key != new_key:
        if old_key is not None:
            batch.set(
                client.document(paths.contact_email(team_id, old_key)),
                {"contactIds": ArrayRemove([contact_id])},
                merge=True,
            )
        if new_key is not None:
            batch.set(
                client.document(paths.contact_email(team_id, new_key)),
                {"contactIds": ArrayUnion([contact_id])},
                merge=True,
            )
    if change is not None:
        batch.set(
            client.document(paths.contact_change(team_id, contact_id)),
            {**change, "changedAt": firestore.SERVER_TIMESTAMP},
        )
    with translated_errors():
        batch.commit()


# ---------------------------------------------------------------- a page's writes


@dataclass
class PageWrite:
    """The writes of one page, committed with its checkpoint last."""

    team_id: str
    _operations: list[Callable[[firestore.WriteBatch], None]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self._operations)

    def create(self, path: str, body: dict[str, Any]) -> None:
        # `set`, not `create`: a page redone after a crash writes the same contact again.
        self._operations.append(lambda batch: batch.set(db().document(path), body))

    def update(self, path: str, fields: dict[str, Any]) -> None:
        self._operations.append(lambda batch: batch.update(db().document(path), fields))

    def merge(self, path: str, body: dict[str, Any]) -> None:
        self._operations.append(lambda batch: batch.set(db().document(path), body, merge=True))

    def outbox(self, contact_id: str, changed_at: datetime) -> None:
        """Make sure this run's push phase looks at this contact (a local value the pull left to it):
        dated at the run's local signpost, inside the window the push phase reads."""
        self.merge(
            paths.contact_change(self.team_id, contact_id), {"changedAt": changed_at, "deleted": False}
        )

    def index_email(self, email_key: str, contact_id: str) -> None:
        self.merge(paths.contact_email(self.team_id, email_key), {"contactIds": ArrayUnion([contact_id])})

    def add_conflict_fields(
        self, conflict_id: str, body: dict[str, Any], fields: list[dict[str, Any]]
    ) -> None:
        """Open (or add to) a contact's conflict: its fields accumulate while it stays open."""
        self.merge(paths.sync_conflict(self.team_id, conflict_id), {**body, "fields": ArrayUnion(fields)})

    def commit(
        self, config_id: str, config_fields: dict[str, Any], run_id: str, run_fields: dict[str, Any]
    ) -> None:
        """Every write, then the checkpoint (the configuration's cursor, the run's progress) with the
        last batch: never before a write it covers."""
        client = db()
        operations = self._operations
        with translated_errors():
            for start in range(0, max(len(operations), 1), BATCH_LIMIT):
                batch = client.batch()
                for operation in operations[start : start + BATCH_LIMIT]:
                    operation(batch)
                if start + BATCH_LIMIT >= len(operations):
                    batch.update(client.document(paths.sync_config(self.team_id, config_id)), config_fields)
                    batch.update(client.document(paths.sync_run(self.team_id, run_id)), run_fields)
                batch.commit()


def counters(counts: dict[str, int]) -> dict[str, Any]:
    """The run's counters as increments (a run's pages may be written by several continuations)."""
    return {f"counts.{name}": Increment(value) for name, value in counts.items() if value}
