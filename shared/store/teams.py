"""Teams: `teams/{teamId}`."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.store import paths
from shared.store.client import db, translated_errors


def ensure_team(team_id: str, name: str) -> None:
    """Create the team document when it does not exist; an existing team is left as it is."""
    with translated_errors():
        ref = db().document(paths.team(team_id))
        if not ref.get().exists:
            ref.set({"name": name, "createdAt": datetime.now(UTC)})
