"""Product events: `teams/{teamId}/events/{eventId}`, and the ones whose fan-out has not completed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared import errors
from shared.models.sweeps import DueItem
from shared.store import paging, paths
from shared.store.client import db, translated_errors

# Set when an event is created, false once its fan-out completed: the recovery sweep's due set.
FANOUT_PENDING = "fanoutPending"


def create(team_id: str, event_id: str, body: dict[str, Any]) -> bool:
    """Create the event once; False when it already exists (a redelivered cause)."""
    try:
        with translated_errors():
            db().document(paths.event(team_id, event_id)).create(body)
    except errors.AlreadyExists:
        return False
    return True


def mark_fanned_out(team_id: str, event_id: str, at: datetime) -> None:
    """Every subscriber has its delivery and its task: the recovery sweep leaves the event alone."""
    try:
        with translated_errors():
            db().document(paths.event(team_id, event_id)).update(
                {FANOUT_PENDING: False, "fanoutCompletedAt": at}
            )
    except errors.NotFound:
        pass  # deleted meanwhile: nothing left to recover


def fanouts_pending(
    created_from: datetime, created_by: datetime, after: DueItem | None, limit: int
) -> list[DueItem]:
    """A page of events created between the two times whose fan-out has not completed (index:
    fanoutPending, createdAt, over the `events` collection group)."""
    pending = (FANOUT_PENDING, True)
    return paging.due_page(
        paths.EVENTS, "createdAt", created_by, after, limit, equal=pending, since=created_from
    )
