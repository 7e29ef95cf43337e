"""Turn a change to the team's data into one product event (`ticket.created`, `contact.deleted`...)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from shared import events

# Fields that change on every write and say nothing by themselves, and the sync engine's links.
BOOKKEEPING_FIELDS = frozenset({"updatedAt", "sync"})


def json_safe(value: Any) -> Any:
    """Firestore values as JSON: timestamps as ISO-8601 (UTC, Z), references and the rest as text."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(getattr(value, "path", value))


def snapshot_data(snapshot: Any) -> dict[str, Any] | None:
    """A trigger's document snapshot as a dict, or None for "no document" (created or deleted)."""
    if snapshot is None or not getattr(snapshot, "exists", True):
        return None
    data = snapshot.to_dict()
    return data if isinstance(data, dict) else None


def event_type_for(group: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str | None:
    """What happened to a record of `group` (ticket, contact), or None when nothing worth telling did."""
    if before is None and after is not None:
        return f"{group}.created"
    if before is not None and after is None:
        return f"{group}.deleted" if group == "contact" else None
    if before is None or after is None:
        return None
    meaningful_before = {k: v for k, v in before.items() if k not in BOOKKEEPING_FIELDS}
    meaningful_after = {k: v for k, v in after.items() if k not in BOOKKEEPING_FIELDS}
    if meaningful_before == meaningful_after:
        return None
    if group == "ticket" and after.get("status") == "resolved" and before.get("status") != "resolved":
        return "ticket.resolved"
    return f"{group}.updated"


def event_id_for(trigger_event_id: str) -> str:
    """The event's document id: the trigger's event id, so a redelivered trigger creates nothing twice."""
    return "evt_" + re.sub(r"[^A-Za-z0-9_-]", "_", trigger_event_id)[:200]


def emit_change(
    team_id: str,
    group: str,
    record_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    trigger_event_id: str,
) -> str | None:
    """Record the event for one change; answers its type (None when the change makes none)."""
    event_type = event_type_for(group, before, after)
    if event_type is None:
        return None
    record = after if after is not None else before
    data = {**json_safe(record or {}), "id": record_id}
    events.emit(team_id, event_type, data, event_id=event_id_for(trigger_event_id))
    return event_type


def emit_comment(
    team_id: str, ticket_id: str, comment_id: str, comment: dict[str, Any], trigger_event_id: str
) -> str:
    data = {"id": ticket_id, "comment": {**json_safe(comment), "id": comment_id}}
    events.emit(team_id, "ticket.commented", data, event_id=event_id_for(trigger_event_id))
    return "ticket.commented"
