"""Local changes, seen from Firestore itself: `on_contact_written` feeds the sync engine's outbox.

No writer has to remember anything: every write of a contact, from the console, the public API, a
webhook or the engine, fires the trigger, which records the contact in `contactChanges/{contactId}`
(`changedAt` is the server's commit time; the push phase reads the outbox in that order) and keeps the
email index `contactEmails/{key}` (identity by email in one read). A write that only repeats what every
linked configuration last synced (the engine's own write, coming back) is an echo and is not recorded.
A deletion is recorded with the contact's links, so the engine can keep it from coming back.
"""

from __future__ import annotations

from typing import Any

from shared import ids
from shared.store import sync as store
from shared.sync.remotes import normalized_email
from shared.webhooks.change_events import emit_change


def email_key(email: str) -> str:
    return ids.digest("email", email)


def read_path(record: dict[str, Any], path: str) -> Any:
    """A field path's value (`address.city`), None when a part is missing or not a map."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def is_echo(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    """Whether the write only repeats what each of the contact's links last synced: every synced value
    is equal, and every field it changed is one each link has a synced value for. A field a link has no
    value for (a mapping added later, a pull that failed) is a local change its configuration must see."""
    links = [link for link in (after.get("sync") or {}).values() if isinstance(link, dict)]
    if before is None or not links:
        return False
    bases = [
        {ids.unescape_segment(key): value for key, value in (link.get("base") or {}).items()}
        for link in links
    ]
    if not all(read_path(after, path) == value for base in bases for path, value in base.items()):
        return False
    return all(
        any(changed == path or changed.startswith(path + ".") for path in base)
        for changed in _changed_paths(before, after)
        for base in bases
    )


# What every write of a linked contact may change besides its data: the links and the write's time.
_BOOKKEEPING = frozenset({"sync", "updatedAt"})
_ABSENT = object()


def _as_map(value: Any) -> dict[str, Any] | None:
    # An absent field reads as an empty map, so a map written where there was none (`address.city` set
    # on a contact without `address`) changes its fields, each on its own.
    return value if isinstance(value, dict) else ({} if value is _ABSENT else None)


def _changed_paths(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """The field paths whose values differ (inside maps, the deepest), bookkeeping left out."""
    changed = []
    for key in sorted(before.keys() | after.keys()):
        if not prefix and key in _BOOKKEEPING:
            continue
        old, new = before.get(key, _ABSENT), after.get(key, _ABSENT)
        old_map, new_map = _as_map(old), _as_map(new)
        if old_map is not None and new_map is not None:
            changed.extend(_changed_paths(old_map, new_map, f"{prefix}{key}."))
        elif old is _ABSENT or new is _ABSENT or old != new:
            changed.append(f"{prefix}{key}")
    return changed


def record_change(
    team_id: str, contact_id: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> str:
    """The trigger's work for one contact write; answers what it recorded."""
    old_email = normalized_email((before or {}).get("email"))
    new_email = normalized_email((after or {}).get("email"))
    moves = (email_key(old_email) if old_email else None, email_key(new_email) if new_email else None)
    change: dict[str, Any] | None
    if after is None:
        links = {
            config_id: link.get("remoteId")
            for config_id, link in ((before or {}).get("sync") or {}).items()
            if isinstance(link, dict) and isinstance(link.get("remoteId"), str)
        }
        change = {"deleted": True, "links": links}
    elif is_echo(before, after):
        change = None
    else:
        change = {"deleted": False}
    store.record_contact_change(team_id, contact_id, change, moves)
    return "echo" if change is None else ("deleted" if after is None else "changed")


def contact_written(
    team_id: str,
    contact_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    trigger_event_id: str,
) -> str:
    """`on_contact_written`: the product event for webhooks, and the sync engine's outbox and index.
    Both are idempotent, so a redelivered trigger changes nothing more."""
    event_type = emit_change(team_id, "contact", contact_id, before, after, trigger_event_id)
    recorded = record_change(team_id, contact_id, before, after)
    return f"{event_type or 'no event'}; outbox: {recorded}"
