"""Teams and their members."""

from __future__ import annotations

from enum import StrEnum

from shared.models.base import StoredModel


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"

    @property
    def rank(self) -> int:
        return {Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}[self]


class MemberDoc(StoredModel):
    """`teams/{teamId}/members/{uid}`."""

    role: Role
