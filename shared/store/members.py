"""Team membership: `teams/{teamId}/members/{uid}`."""

from __future__ import annotations

import pydantic
from google.cloud.firestore_v1.base_query import FieldFilter

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
        db().document(paths.member(team_id, uid)).set(MemberDoc(role=role, uid=uid).to_firestore())


# More memberships than any person holds; a bound so one answer stays small.
MAX_TEAMS_PER_USER = 200


def teams_of(uid: str) -> list[tuple[str, Role]]:
    """(team id, role) of every team the user is a member of, through the `uid` field of
    `teams/*/members/{uid}` (a collection-group query; membership documents without it are not found)."""
    query = (
        db()
        .collection_group(paths.MEMBERS)
        .where(filter=FieldFilter("uid", "==", uid))
        .limit(MAX_TEAMS_PER_USER)
    )
    found: list[tuple[str, Role]] = []
    with translated_errors():
        for snapshot in query.stream():
            team = snapshot.reference.parent.parent
            try:
                role = MemberDoc.model_validate(snapshot.to_dict()).role
            except pydantic.ValidationError:
                continue
            if team is not None:
                found.append((team.id, role))
    return found
