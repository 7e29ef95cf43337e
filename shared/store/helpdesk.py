"""The team's helpdesk records: tickets, contacts, and the inbox of remote changes to sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared import errors
from shared.models.helpdesk import TicketDoc
from shared.store import paths
from shared.store.client import db, translated_errors

SYNC_INBOX_RETENTION = timedelta(days=30)


def create_ticket_once(team_id: str, ticket: TicketDoc) -> bool:
    """Create the ticket under its id; False when it exists (a redelivered cause made it already)."""
    body = ticket.to_firestore()
    try:
        with translated_errors():
            db().document(paths.ticket(team_id, ticket.id)).create(body)
    except errors.AlreadyExists:
        return False
    return True


def mark_for_sync(team_id: str, provider: str, object_id: str, fields: dict[str, Any]) -> None:
    """Note that a remote record changed: the sync engine pulls what its inbox names."""
    now = datetime.now(UTC)
    with translated_errors():
        db().document(paths.sync_inbox_item(team_id, f"{provider}_{object_id}")).set(
            {
                "provider": provider,
                "objectId": object_id,
                "pending": True,
                "updatedAt": now,
                "expireAt": now + SYNC_INBOX_RETENTION,
                **fields,
            },
            merge=True,
        )
