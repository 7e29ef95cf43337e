"""Teams and their members."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Strict

from shared.models.base import InputModel, PublicModel, StoredModel


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"

    @property
    def rank(self) -> int:
        return {Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}[self]


class MemberDoc(StoredModel):
    """`teams/{teamId}/members/{uid}`. `uid` repeats the document id so that one collection-group query
    finds a user's memberships (`teams_list`); a document id cannot be matched across collections."""

    role: Role
    uid: str | None = None


class TeamListQuery(InputModel):
    """No filters: the caller's teams are few (a user is a member of a handful)."""


class TeamMembershipPublic(PublicModel):
    team_id: str
    name: str
    role: Annotated[Role, Strict(False)]


class TeamList(PublicModel):
    """The caller's teams, by name."""

    items: list[TeamMembershipPublic]
