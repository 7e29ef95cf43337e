"""What every team record of the public API shares: a fresh id, one document, a create a retry repeats
safely, an update in a transaction, a page by `updatedAt`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import BaseModel

from shared import errors
from shared.models.base import StoredModel
from shared.store.client import db, from_snapshot, translated_errors

ModelT = TypeVar("ModelT", bound=BaseModel)
StoredT = TypeVar("StoredT", bound=StoredModel)


def new_id(collection: str) -> str:
    document_id: str = db().collection(collection).document().id
    return document_id


def get(model: type[ModelT], path: str) -> ModelT | None:
    with translated_errors():
        snapshot = db().document(path).get()
    return from_snapshot(model, snapshot) if snapshot.exists else None


def create_once(path: str, doc: StoredT) -> tuple[StoredT, bool]:
    """Create `doc` at `path` with create(); when it exists already (a retried create under the same
    idempotency key), the document as it is and False."""
    try:
        with translated_errors():
            db().document(path).create(doc.to_firestore())
    except errors.AlreadyExists:
        existing = get(type(doc), path)
        if existing is None:
            raise
        return existing, False
    return doc, True


def update_fields(model: type[ModelT], path: str, fields: dict[str, Any]) -> ModelT | None:
    """Apply `fields` (Firestore names) to the document in one transaction; the document as it is then,
    or None when there is none (nothing is created)."""
    client = db()
    ref = client.document(path)

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> ModelT | None:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            return None
        transaction.update(ref, fields)
        return model.model_validate({**(snapshot.to_dict() or {}), **fields, "id": ref.id})

    with translated_errors():
        result: ModelT | None = apply(client.transaction())
    return result


def _page(
    model: type[ModelT],
    collection: str,
    equal: Mapping[str, object],
    order: str,
    direction: str,
    since: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
    fields: Mapping[str, str],
) -> list[ModelT]:
    """By (`order`, id) in `direction`, each field of `equal` that is not None equal to its value, `order`
    at least `since`, after the (`order` value, id) of the previous page's last document."""
    reference = db().collection(collection)
    query: Any = reference
    for field, value in equal.items():
        if value is not None:
            query = query.where(filter=FieldFilter(field, "==", value))
    if since is not None:
        query = query.where(filter=FieldFilter(order, ">=", since))
    query = query.order_by(order, direction=direction).order_by("__name__", direction=direction)
    if after is not None:
        position, document_id = after
        query = query.start_after({order: position, "__name__": reference.document(document_id)})
    with translated_errors():
        return [from_snapshot(model, snapshot, **fields) for snapshot in query.limit(limit).stream()]


def page_newest_first(
    model: type[ModelT],
    collection: str,
    equal: Mapping[str, object],
    after: tuple[datetime, str] | None,
    limit: int,
    *,
    order: str = "createdAt",
    since: datetime | None = None,
    **fields: str,
) -> list[ModelT]:
    """The callables' lists: documents by (`order`, id) descending, newest first, where each field of
    `equal` that is not None has that value and, with `since`, `order` is at least `since`. An equality
    filter needs a composite index (field, `order` desc) in firestore.indexes.json. `fields` as
    page_by_updated's."""
    descending = firestore.Query.DESCENDING
    return _page(model, collection, equal, order, descending, since, after, limit, fields)


def page_by_updated(
    model: type[ModelT],
    collection: str,
    equal: Mapping[str, object],
    updated_since: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
    **fields: str,
) -> list[ModelT]:
    """Documents by (updatedAt, id) ascending, from `updated_since` on, where each field of `equal` that
    is not None has that value: a client that keeps the last `updatedAt` it saw pages through changes
    without missing one. An equality filter is served by the composite index (field, updatedAt) of
    firestore.indexes.json; several are merged from those indexes. Documents without `updatedAt` are
    not listed (Firestore orders only documents that have the field); every writer sets it. `fields` are
    added to each document as from_snapshot adds them (`teamId` for documents that do not store it)."""
    ascending = firestore.Query.ASCENDING
    return _page(model, collection, equal, "updatedAt", ascending, updated_since, after, limit, fields)


# ------------------------------------------------------------------ raw reads for the GraphQL API

# A document as read, with its id under "id". Team-defined GraphQL types have no model of ours: the
# team's schema says which fields it answers, and graphql-core checks each value against its type.
Record = dict[str, Any]
# The most values Firestore takes in one `in` filter.
MAX_IN_VALUES = 30


def _record(snapshot: Any) -> Record:
    return {**(snapshot.to_dict() or {}), "id": snapshot.id}


def get_many(collection: str, document_ids: list[str]) -> dict[str, Record]:
    """The documents of `collection` with these ids that exist, in one `get_all` round trip."""
    if not document_ids:
        return {}
    client = db()
    refs = [client.document(f"{collection}/{document_id}") for document_id in document_ids]
    with translated_errors():
        return {snapshot.id: _record(snapshot) for snapshot in client.get_all(refs) if snapshot.exists}


# (field, operator, value) with the operators Firestore takes.
Condition = tuple[str, str, Any]


def query(
    collection: str, conditions: list[Condition], order_by: list[tuple[str, bool]], limit: int
) -> list[Record]:
    """One query: every condition, ordered by (field, descending) pairs then the document name, at most
    `limit` documents."""
    reference = db().collection(collection)
    found: Any = reference
    for field, operator, value in conditions:
        found = found.where(filter=FieldFilter(field, operator, value))
    for field, descending in order_by:
        found = found.order_by(field, direction=firestore.Query.DESCENDING if descending else "ASCENDING")
    found = found.order_by("__name__").limit(limit)
    with translated_errors():
        return [_record(snapshot) for snapshot in found.stream()]
