"""Tickets and their comments as the public API reads and writes them.

The same documents the incoming webhooks create and `on_ticket_written` / `on_ticket_comment_created`
listen to: a write here fires the trigger, which records `ticket.created`, `ticket.updated`,
`ticket.resolved` or `ticket.commented`. A ticket names its requester (a contact of the team) and its
assignee (an agent of the team) by id; both are read in the transaction that writes the ticket, so a
ticket is never saved naming a record that was not there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared import errors
from shared.models.helpdesk import TicketDoc, TicketStatus
from shared.models.tickets import CommentDoc, TicketCreate, TicketUpdate
from shared.store import paths, records
from shared.store.client import db, translated_errors

# Where each reference of a ticket must point, by its field.
_REFERENCES = {"requesterId": paths.contact, "assigneeId": paths.agent}


def new_id(team_id: str) -> str:
    return records.new_id(paths.tickets(team_id))


def new_comment_id(team_id: str, ticket_id: str) -> str:
    return records.new_id(paths.ticket_comments(team_id, ticket_id))


def get(team_id: str, ticket_id: str) -> TicketDoc | None:
    return records.get(TicketDoc, paths.ticket(team_id, ticket_id))


def _read(
    transaction: firestore.Transaction, team_id: str, ticket_id: str, fields: Mapping[str, Any]
) -> dict[str, Any] | None:
    """In one read: the ticket's stored data (None when absent), after checking that every reference
    `fields` sets names a record of the team (InvalidArgument naming the field when one does not)."""
    client = db()
    ticket_ref = client.document(paths.ticket(team_id, ticket_id))
    wanted = {
        name: client.document(path_of(team_id, fields[name]))
        for name, path_of in _REFERENCES.items()
        if fields.get(name) is not None
    }
    found = {
        snapshot.reference.path: snapshot for snapshot in transaction.get_all([ticket_ref, *wanted.values()])
    }
    for name, ref in wanted.items():
        if not found[ref.path].exists:
            kind = "contact" if name == "requesterId" else "agent"
            raise errors.InvalidArgument(f"{name} names no {kind} of this team", field=name)
    ticket = found[ticket_ref.path]
    return (ticket.to_dict() or {}) if ticket.exists else None


def create(team_id: str, ticket_id: str, fields: TicketCreate) -> tuple[TicketDoc, bool]:
    """Create the ticket under `ticket_id`; when it exists already (a retried create under the same
    idempotency key), the ticket as it is and False."""
    client = db()
    ref = client.document(paths.ticket(team_id, ticket_id))
    now = datetime.now(UTC)
    given = fields.model_dump(by_alias=True, mode="json")
    doc = TicketDoc.model_validate(
        {
            **given,
            "id": ticket_id,
            "source": "api",
            "createdAt": now,
            "updatedAt": now,
            "resolvedAt": now if fields.status is TicketStatus.RESOLVED else None,
        }
    )

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> tuple[TicketDoc, bool]:
        existing = _read(transaction, team_id, ticket_id, given)
        if existing is not None:
            return TicketDoc.model_validate({**existing, "id": ticket_id}), False
        transaction.create(ref, doc.to_firestore())
        return doc, True

    with translated_errors():
        result: tuple[TicketDoc, bool] = apply(client.transaction())
    return result


def _status_change(before: Mapping[str, Any], status: str | None, now: datetime) -> dict[str, Any]:
    """`resolvedAt` follows the status: set when the ticket becomes resolved, cleared when it leaves."""
    if status is None or status == before.get("status"):
        return {}
    if status == TicketStatus.RESOLVED.value:
        return {"resolvedAt": now}
    return {"resolvedAt": None} if before.get("status") == TicketStatus.RESOLVED.value else {}


def update(team_id: str, ticket_id: str, changes: TicketUpdate) -> TicketDoc | None:
    """Apply the fields given (null clears a reference) and `updatedAt`, in one transaction; None when
    the ticket is absent."""
    client = db()
    ref = client.document(paths.ticket(team_id, ticket_id))
    given = changes.model_dump(by_alias=True, exclude_unset=True, mode="json")

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> TicketDoc | None:
        before = _read(transaction, team_id, ticket_id, given)
        if before is None:
            return None
        now = datetime.now(UTC)
        fields = {**given, **_status_change(before, given.get("status"), now), "updatedAt": now}
        transaction.update(ref, fields)
        return TicketDoc.model_validate({**before, **fields, "id": ticket_id})

    with translated_errors():
        result: TicketDoc | None = apply(client.transaction())
    return result


def resolve(team_id: str, ticket_id: str) -> TicketDoc | None:
    """Mark the ticket resolved (`resolvedAt` now); a resolved ticket is answered as it is and not
    written, so a second resolve fires no trigger. None when the ticket is absent."""
    client = db()
    ref = client.document(paths.ticket(team_id, ticket_id))

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> TicketDoc | None:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            return None
        before = snapshot.to_dict() or {}
        if before.get("status") == TicketStatus.RESOLVED.value:
            return TicketDoc.model_validate({**before, "id": ticket_id})
        now = datetime.now(UTC)
        fields = {"status": TicketStatus.RESOLVED.value, "resolvedAt": now, "updatedAt": now}
        transaction.update(ref, fields)
        return TicketDoc.model_validate({**before, **fields, "id": ticket_id})

    with translated_errors():
        result: TicketDoc | None = apply(client.transaction())
    return result


def list_page(
    team_id: str,
    equal: Mapping[str, str | None],
    updated_since: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[TicketDoc]:
    """Tickets by (updatedAt, id); `equal` maps `status`, `priority`, `assigneeId`, `requesterId` to a
    value or None (no filter)."""
    return records.page_by_updated(TicketDoc, paths.tickets(team_id), equal, updated_since, after, limit)


# ------------------------------------------------------------------ comments


def add_comment(team_id: str, ticket_id: str, comment_id: str, body: str, key_id: str) -> CommentDoc | None:
    """Add the key's comment to the ticket under `comment_id`, in one transaction with the check that the
    ticket exists (None when it does not); a comment already there (a retried create under the same
    idempotency key) is answered as it is."""
    client = db()
    ticket_ref = client.document(paths.ticket(team_id, ticket_id))
    ref = client.document(paths.ticket_comment(team_id, ticket_id, comment_id))
    now = datetime.now(UTC)
    doc = CommentDoc(
        id=comment_id,
        body=body,
        author={"type": "apiKey", "id": key_id},
        author_key_id=key_id,
        created_at=now,
        updated_at=now,
    )

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> CommentDoc | None:
        found = {snapshot.reference.path: snapshot for snapshot in transaction.get_all([ticket_ref, ref])}
        ticket, existing = found[ticket_ref.path], found[ref.path]
        if not ticket.exists:
            return None
        if existing.exists:
            return CommentDoc.model_validate({**(existing.to_dict() or {}), "id": comment_id})
        transaction.create(ref, doc.to_firestore())
        return doc

    with translated_errors():
        result: CommentDoc | None = apply(client.transaction())
    return result


def list_comments(
    team_id: str,
    ticket_id: str,
    updated_since: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[CommentDoc]:
    return records.page_by_updated(
        CommentDoc, paths.ticket_comments(team_id, ticket_id), {}, updated_since, after, limit
    )
