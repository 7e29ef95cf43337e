"""Product events: `teams/{teamId}/events/{eventId}`."""

from __future__ import annotations

from typing import Any

from shared import errors
from shared.store import paths
from shared.store.client import db, translated_errors


def create(team_id: str, event_id: str, body: dict[str, Any]) -> bool:
    """Create the event once; False when it already exists (a redelivered cause)."""
    try:
        with translated_errors():
            db().document(paths.event(team_id, event_id)).create(body)
    except errors.AlreadyExists:
        return False
    return True
