"""Team membership: `teams/{teamId}/members/{uid}`."""

from __future__ import annotations

from typing import Any

import pydantic
from google.api_core import exceptions as google_errors
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


def stamp_uid(team_id: str, uid: str) -> bool:
    """Give the membership its `uid` field when it lacks it (the helpdesk writes `{role}` only); answers
    whether it wrote. A document deleted meanwhile is left deleted."""
    ref = db().document(paths.member(team_id, uid))
    with translated_errors():
        snapshot = ref.get()
        if not snapshot.exists or (snapshot.to_dict() or {}).get("uid") == uid:
            return False
        try:
            # Only if unchanged since read: a concurrent rewrite fires the trigger again anyway.
            ref.update({"uid": uid}, option=db().write_option(last_update_time=snapshot.update_time))
        except (google_errors.NotFound, google_errors.FailedPrecondition):
            return False
    return True


def stamp_every_uid(page_size: int = 300) -> int:
    """`stamp_uid` for every membership of every team, a page at a time (memberships written before the
    trigger `on_member_written` existed); safe to run again. Answers how many it wrote."""
    client = db()
    written = 0
    last: Any = None
    while True:
        query = client.collection_group(paths.MEMBERS).order_by("__name__").limit(page_size)
        if last is not None:
            query = query.start_after(last)
        with translated_errors():
            page = list(query.stream())
        if not page:
            return written
        batch = client.batch()
        pending = 0
        for snapshot in page:
            if (snapshot.to_dict() or {}).get("uid") != snapshot.id:
                batch.update(snapshot.reference, {"uid": snapshot.id})
                pending += 1
        if pending:
            with translated_errors():
                batch.commit()
            written += pending
        last = page[-1]


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
            # The field is a copy of the document id, which alone says whose membership it is.
            if snapshot.id != uid:
                continue
            team = snapshot.reference.parent.parent
            try:
                role = MemberDoc.model_validate(snapshot.to_dict()).role
            except pydantic.ValidationError:
                continue
            if team is not None:
                found.append((team.id, role))
    return found
