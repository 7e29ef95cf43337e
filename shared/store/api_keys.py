"""API keys: metadata under the team, the hash index for validation, usage and rate-limit counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath
from google.cloud.firestore_v1.transforms import DELETE_FIELD, Increment, Maximum

from shared import errors
from shared.models.api_keys import ApiKeyDoc, ApiKeyIndexDoc
from shared.store import paths, records
from shared.store.client import db, from_snapshot, translated_errors

USAGE_WRITE_TIMEOUT_SECONDS = 10.0
# Daily usage documents are kept this long (a TTL policy on `expireAt` removes them).
USAGE_DAYS_KEPT = timedelta(days=400)
# The rate-limit counters document: `counts` maps a sub-window index to its tokens; `floor` is the
# lowest index still alive. Indices of sub-windows since the epoch fit 13 digits until the year 2286.
RATE_COUNTS = "counts"
RATE_FLOOR = "floor"
RATE_COUNTER_DIGITS = 13


def index_from(doc: ApiKeyDoc) -> ApiKeyIndexDoc:
    """The index document carries exactly what a validation reads: a validation is one document read."""
    return ApiKeyIndexDoc(
        team_id=doc.team_id,
        key_id=doc.id,
        scopes=doc.scopes,
        enabled=doc.enabled,
        expires_at=doc.expires_at,
        rate_limit=doc.rate_limit,
    )


def new_key_id(team_id: str) -> str:
    key_id: str = db().collection(paths.api_keys(team_id)).document().id
    return key_id


def create(doc: ApiKeyDoc) -> None:
    """Write the metadata and the index together; `create()` so a colliding hash or id fails loudly."""
    batch = db().batch()
    batch.create(db().document(paths.api_key(doc.team_id, doc.id)), doc.to_firestore())
    batch.create(db().document(paths.api_key_index(doc.key_hash)), index_from(doc).to_firestore())
    with translated_errors():
        batch.commit()


def _doc_from(snapshot: firestore.DocumentSnapshot[Any], team_id: str) -> ApiKeyDoc:
    return from_snapshot(ApiKeyDoc, snapshot, teamId=team_id)


def get(team_id: str, key_id: str) -> ApiKeyDoc | None:
    with translated_errors():
        snapshot = db().document(paths.api_key(team_id, key_id)).get()
    return _doc_from(snapshot, team_id) if snapshot.exists else None


def list_page(team_id: str, limit: int, after: tuple[datetime, str] | None) -> list[ApiKeyDoc]:
    """Newest first; `after` is the (createdAt, id) of the last key of the previous page."""
    return records.page_newest_first(ApiKeyDoc, paths.api_keys(team_id), {}, after, limit, teamId=team_id)


def update(team_id: str, key_id: str, change: Callable[[ApiKeyDoc], ApiKeyDoc]) -> ApiKeyDoc:
    """Apply `change` to the key in a transaction, keeping the metadata and the index in step."""
    client = db()
    key_ref = client.document(paths.api_key(team_id, key_id))

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> ApiKeyDoc:
        snapshot = key_ref.get(transaction=transaction)
        if not snapshot.exists:
            raise errors.NotFound("API key not found", field="keyId")
        current = _doc_from(snapshot, team_id)
        changed = change(current)
        body = changed.to_firestore()
        # Usage fields are owned by the usage flusher; never overwrite them from a stale read.
        for owned_by_usage in ("usageCount", "lastUsed"):
            body.pop(owned_by_usage, None)
        transaction.update(key_ref, body)
        index_body = index_from(changed).to_firestore()
        transaction.set(client.document(paths.api_key_index(current.key_hash)), index_body)
        return changed

    with translated_errors():
        return apply(client.transaction())  # type: ignore[no-any-return]


def delete(team_id: str, key_id: str) -> ApiKeyDoc:
    """Delete the metadata and the index entry; NotFound when the key is already gone."""
    client = db()
    key_ref = client.document(paths.api_key(team_id, key_id))

    @firestore.transactional
    def remove(transaction: firestore.Transaction) -> ApiKeyDoc:
        snapshot = key_ref.get(transaction=transaction)
        if not snapshot.exists:
            raise errors.NotFound("API key not found", field="keyId")
        current = _doc_from(snapshot, team_id)
        transaction.delete(key_ref)
        transaction.delete(client.document(paths.api_key_index(current.key_hash)))
        return current

    with translated_errors():
        return remove(client.transaction())  # type: ignore[no-any-return]


def get_index(key_hash: str) -> ApiKeyIndexDoc | None:
    """The validation hot path: one read by id."""
    with translated_errors():
        snapshot = db().document(paths.api_key_index(key_hash)).get()
    if not snapshot.exists:
        return None
    return ApiKeyIndexDoc.model_validate(snapshot.to_dict())


def add_usage(team_id: str, key_id: str, count: int, last_used: datetime) -> bool:
    """Add buffered validations, all of `last_used`'s UTC day, to the key's counter and to that day's
    per-key counter, in one commit; False (and nothing written) when the key no longer exists."""
    client = db()
    day = last_used.astimezone(UTC).date()
    batch = client.batch()
    batch.update(
        client.document(paths.api_key(team_id, key_id)),
        {"usageCount": Increment(count), "lastUsed": last_used},
    )
    started = datetime(day.year, day.month, day.day, tzinfo=UTC)
    batch.set(
        client.document(paths.api_key_usage_day(team_id, day)),
        {"date": started, "keys": {key_id: Increment(count)}, "expireAt": started + USAGE_DAYS_KEPT},
        merge=True,
    )
    try:
        with translated_errors():
            # Bounded, so a flush at shutdown cannot hold the instance while Firestore is unreachable.
            batch.commit(timeout=USAGE_WRITE_TIMEOUT_SECONDS)
    except errors.NotFound:
        return False
    return True


@dataclass(frozen=True)
class RateReservation:
    """One write to a key's rate-limit counters (see shared/api_keys/rate_limiter.py for why each part)."""

    # Added to the counters by sub-window index: the new block (positive) and tokens given back
    # (negative). Every index must lie in `read`.
    changes: dict[int, int]
    # The counters to answer, as they are right after this write.
    read: range
    # Counters that no reservation reads again; deleted in the same write.
    delete: range
    # The floor is raised to this: below it every counter is dead.
    floor: int
    expire_at: datetime


@dataclass(frozen=True)
class RateCounters:
    """What a reservation saw, atomically, at its commit: the counters it read and the floor."""

    counts: dict[int, int]
    floor: int


def _counter_field(index: int) -> str:
    # Zero-padded, so the order in which the client sends the field transforms (sorted by field path),
    # which is the order of their results, is the numeric order of the sub-windows.
    if index < 0:
        raise ValueError("a sub-window index is never negative")
    return f"{index:0{RATE_COUNTER_DIGITS}d}"


def reserve_rate_tokens(
    team_id: str, key_id: str, counters_id: str, reservation: RateReservation
) -> RateCounters:
    """Apply `reservation` in ONE write, without a transaction, and answer the counters it read.

    The write increments every counter of `reservation.read` (by 0 where nothing changes) and raises
    the floor with `Maximum`; its result carries the value of each transformed field right after the
    commit. Writes to one document are serialized, so those values are one atomic snapshot: every
    reservation sees all that committed before it, and is seen by all that commit after it.
    """
    if any(index not in reservation.read for index in reservation.changes):
        raise ValueError("every changed counter must be read back")
    counters: dict[str, Any] = {_counter_field(index): DELETE_FIELD for index in reservation.delete}
    for index in reservation.read:
        counters[_counter_field(index)] = Increment(reservation.changes.get(index, 0))
    body = {
        RATE_COUNTS: counters,
        RATE_FLOOR: Maximum(reservation.floor),
        "expireAt": reservation.expire_at,
    }
    ref = db().document(paths.api_key_rate_counters(team_id, key_id, counters_id))
    with translated_errors():
        result = ref.set(body, merge=True)
    # `counts.<index>` sorts before `floor`, and the indices are zero-padded: results come in this order.
    values = [int(value.integer_value) for value in result.transform_results]
    if len(values) != len(reservation.read) + 1:
        raise errors.Internal("the rate-limit write answered an unexpected number of results")
    return RateCounters(counts=dict(zip(reservation.read, values[:-1], strict=True)), floor=values[-1])


def delete_dead_rate_counters(team_id: str, key_id: str, counters_id: str) -> int:
    """Delete every counter below the floor (no reservation reads one again); answers how many.

    The floor only rises, so whatever this reads as dead stays dead: deleting it races with nothing.
    """
    ref = db().document(paths.api_key_rate_counters(team_id, key_id, counters_id))
    with translated_errors():
        snapshot = ref.get()
    if not snapshot.exists:
        return 0
    stored = snapshot.to_dict() or {}
    floor = stored.get(RATE_FLOOR)
    counts = stored.get(RATE_COUNTS)
    if not isinstance(floor, int) or not isinstance(counts, dict):
        return 0
    dead = [name for name in counts if not name.isdigit() or int(name) < floor]
    if not dead:
        return 0
    changes = {FieldPath(RATE_COUNTS, name).to_api_repr(): DELETE_FIELD for name in dead}
    try:
        with translated_errors():
            ref.update(changes)
    except errors.NotFound:
        return 0  # removed by the TTL policy meanwhile: nothing left to clean
    return len(dead)
