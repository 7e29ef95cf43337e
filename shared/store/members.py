"""Team membership: `teams/{teamId}/members/{uid}`."""

from __future__ import annotations

import pydantic

from shared.models.teams import MemberDoc, Role
from shared.store import paths
from shared.store.client import db, translated_errors


def get_role(team_id: str, uid: str) -> Role | None:
    """The member's role, or None when the user is not a member (or the document is malformed)."""
    with translated_errors():
        snapshot = db().document(paths.member(team_id, uid)).get()
    if not snapshot.exists:
        return None
    try:
        return MemberDoc.model_validate(snapshot.to_dict()).role
    except pydantic.ValidationError:
        return None


def set_role(team_id: str, uid: str, role: Role) -> None:
    with translated_errors():
        db().document(paths.member(team_id, uid)).set(MemberDoc(role=role).to_firestore())
