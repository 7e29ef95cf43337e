"""Teams: `teams/{teamId}`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from shared.store import paths
from shared.store.client import db, translated_errors


def ensure_team(team_id: str, name: str) -> None:
    """Create the team document when it does not exist; an existing team is left as it is."""
    with translated_errors():
        ref = db().document(paths.team(team_id))
        if not ref.get().exists:
            ref.set({"name": name, "createdAt": datetime.now(UTC)})


def names(team_ids: Iterable[str]) -> dict[str, str]:
    """Each team's name, in one round trip; a team without a document (or a name) is named by its id."""
    refs = [db().document(paths.team(team_id)) for team_id in team_ids]
    if not refs:
        return {}
    with translated_errors():
        snapshots = list(db().get_all(refs))
    found: dict[str, str] = {}
    for snapshot in snapshots:
        name = (snapshot.to_dict() or {}).get("name") if snapshot.exists else None
        found[snapshot.id] = name if isinstance(name, str) and name else snapshot.id
    return found
