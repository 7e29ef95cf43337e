"""The team's contacts as the public API reads and writes them (`teams/{teamId}/contacts/{id}`).

The same documents the sync engine and `on_contact_written` use: a write here fires the trigger, which
records the product event and feeds the engine's outbox. The engine's `sync` map is never touched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared import errors
from shared.models.helpdesk import ContactCreate, ContactDoc, ContactUpdate
from shared.store import paths, records
from shared.store.client import db, translated_errors


def new_id(team_id: str) -> str:
    return records.new_id(paths.contacts(team_id))


def get(team_id: str, contact_id: str) -> ContactDoc | None:
    return records.get(ContactDoc, paths.contact(team_id, contact_id))


def create(team_id: str, contact_id: str, fields: ContactCreate) -> tuple[ContactDoc, bool]:
    """Create the contact under `contact_id`; a retried create answers the one made and False."""
    now = datetime.now(UTC)
    doc = ContactDoc.model_validate(
        {**fields.model_dump(by_alias=True), "id": contact_id, "createdAt": now, "updatedAt": now}
    )
    return records.create_once(paths.contact(team_id, contact_id), doc)


def update(team_id: str, contact_id: str, changes: ContactUpdate) -> ContactDoc | None:
    """Apply the fields given (null clears one) and `updatedAt`, in one transaction; None when absent."""
    fields: dict[str, Any] = {
        **changes.model_dump(by_alias=True, exclude_unset=True),
        "updatedAt": datetime.now(UTC),
    }
    return records.update_fields(ContactDoc, paths.contact(team_id, contact_id), fields)


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
    """Contacts by (updatedAt, id) ascending (records.page_by_updated); `email` is served by the
    composite index (email, updatedAt)."""
    return records.page_by_updated(
        ContactDoc, paths.contacts(team_id), {"email": email}, updated_since, after, limit
    )
