"""The product's events: one document per event, in the Standard Webhooks envelope.

`teams/{teamId}/events/{eventId}` holds `{"type", "timestamp", "data"}` (and `createdAt`,
`fanoutPending`, `fanoutCompletedAt` for the fan-out's recovery); the id is chosen by the
caller from what caused the event (a trigger's event id, a connection and a day...), and the document is
created with `create()`, so a redelivered cause emits nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared import log
from shared.store import events as store


def document(event_type: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The stored event, for writers that create it in a batch of their own (`create()` there too)."""
    return {
        "type": event_type,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "data": data,
        "createdAt": now,
        # Until on_event_created has queued every delivery; the recovery sweep finds it while true.
        store.FANOUT_PENDING: True,
    }


def emit(team_id: str, event_type: str, data: dict[str, Any], event_id: str) -> bool:
    """Record an event once; False when an event with this id already exists."""
    if not store.create(team_id, event_id, document(event_type, data, datetime.now(UTC))):
        return False
    log.info("event emitted", eventType=event_type, eventId=event_id, teamId=team_id)
    return True
