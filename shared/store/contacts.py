"""The team's contacts as the public API reads and writes them (`teams/{teamId}/contacts/{id}`).

The same documents the sync engine and `on_contact_written` use: a write here fires the trigger, which
records the product event and feeds the engine's outbox. The engine's `sync` map is never touched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import errors
from shared.models.helpdesk import ContactCreate, ContactDoc, ContactUpdate
from shared.store import paths
from shared.store.client import db, from_snapshot, translated_errors


def new_id(team_id: str) -> str:
    contact_id: str = db().collection(paths.contacts(team_id)).document().id
    return contact_id


def get(team_id: str, contact_id: str) -> ContactDoc | None:
    with translated_errors():
        snapshot = db().document(paths.contact(team_id, contact_id)).get()
    return from_snapshot(ContactDoc, snapshot) if snapshot.exists else None


def create(team_id: str, contact_id: str, fields: ContactCreate) -> tuple[ContactDoc, bool]:
    """Create the contact under `contact_id` with create(); when it exists already (a retried create
    under the same idempotency key), the contact as it is and False."""
    now = datetime.now(UTC)
    doc = ContactDoc.model_validate(
        {**fields.model_dump(by_alias=True), "id": contact_id, "createdAt": now, "updatedAt": now}
    )
    ref = db().document(paths.contact(team_id, contact_id))
    try:
        with translated_errors():
            ref.create(doc.to_firestore())
    except errors.AlreadyExists:
        existing = get(team_id, contact_id)
        if existing is None:
            raise
        return existing, False
    return doc, True


def update(team_id: str, contact_id: str, changes: ContactUpdate) -> ContactDoc | None:
    """Apply the fields given (null clears one) and `updatedAt`, in one transaction; None when absent."""
    client = db()
    ref = client.document(paths.contact(team_id, contact_id))
    fields: dict[str, Any] = {
        **changes.model_dump(by_alias=True, exclude_unset=True),
        "updatedAt": datetime.now(UTC),
    }

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> ContactDoc | None:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            return None
        transaction.update(ref, fields)
        return ContactDoc.model_validate({**(snapshot.to_dict() or {}), **fields, "id": contact_id})

    with translated_errors():
        result: ContactDoc | None = apply(client.transaction())
    return result


def delete(team_id: str, contact_id: str) -> bool:
    """Delete the contact; False when there was none (one write, its precondition says which)."""
    client = db()
    try:
        with translated_errors():
            client.document(paths.contact(team_id, contact_id)).delete(
                option=client.write_option(exists=True)
            )
    except errors.NotFound:
        return False
    return True


def list_page(
    team_id: str,
    email: str | None,
    updated_since: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[ContactDoc]:
    """Contacts by (updatedAt, id) ascending, from `updated_since` on: a client that keeps the last
    `updatedAt` it saw pages through changes without missing one. With `email`, the composite index
    (email, updatedAt) of firestore.indexes.json serves it. Documents without `updatedAt` are not
    listed (Firestore orders only documents that have the field); every writer sets it."""
    collection = db().collection(paths.contacts(team_id))
    query: Any = collection
    if email is not None:
        query = query.where(filter=FieldFilter("email", "==", email))
    if updated_since is not None:
        query = query.where(filter=FieldFilter("updatedAt", ">=", updated_since))
    query = query.order_by("updatedAt").order_by("__name__")
    if after is not None:
        updated_at, contact_id = after
        query = query.start_after({"updatedAt": updated_at, "__name__": collection.document(contact_id)})
    with translated_errors():
        return [from_snapshot(ContactDoc, snapshot) for snapshot in query.limit(limit).stream()]
