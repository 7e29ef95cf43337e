"""API keys: metadata under the team, the hash index for validation, usage and rate-limit counters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.transforms import Increment

from shared import errors
from shared.models.api_keys import ApiKeyDoc, ApiKeyIndexDoc
from shared.store import paths
from shared.store.client import db, from_snapshot, translated_errors

USAGE_WRITE_TIMEOUT_SECONDS = 10.0


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
    collection = db().collection(paths.api_keys(team_id))
    query = collection.order_by("createdAt", direction=firestore.Query.DESCENDING).order_by(
        "__name__", direction=firestore.Query.DESCENDING
    )
    if after is not None:
        created_at, key_id = after
        query = query.start_after({"createdAt": created_at, "__name__": collection.document(key_id)})
    with translated_errors():
        snapshots = list(query.limit(limit).stream())
    return [_doc_from(snapshot, team_id) for snapshot in snapshots]


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
    """Add buffered validations to the key's counter; False when the key no longer exists."""
    body: dict[str, Any] = {"usageCount": Increment(count), "lastUsed": last_used}
    try:
        with translated_errors():
            # Bounded, so a flush at shutdown cannot hold the instance while Firestore is unreachable.
            db().document(paths.api_key(team_id, key_id)).update(body, timeout=USAGE_WRITE_TIMEOUT_SECONDS)
    except errors.NotFound:
        return False
    return True


def reserve_rate_tokens(
    team_id: str, key_id: str, window_start_ms: int, tokens: int, expire_at: datetime
) -> int:
    """Atomically add `tokens` to the window's counter and answer the counter's new total.

    The caller owns the slice (total - tokens, total] of the window: slices never overlap, so the
    holders of slices below the limit together admit at most the limit. No transaction, so concurrent
    reservations from many instances never abort each other.
    """
    ref = db().document(paths.api_key_rate_window(team_id, key_id, window_start_ms))
    with translated_errors():
        result = ref.set({"reserved": Increment(tokens), "expireAt": expire_at}, merge=True)
    total = result.transform_results[0].integer_value
    return int(total)
