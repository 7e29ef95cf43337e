"""Who is calling: the signed-in user from the callable request, and their role in a team."""

from __future__ import annotations

from dataclasses import dataclass

from firebase_functions import https_fn

from shared import errors
from shared.models.teams import Role
from shared.store import members


@dataclass(frozen=True)
class Caller:
    uid: str
    email: str | None = None
    # Set for an API key acting through the public API: the team it belongs to, where it acts as an
    # admin (the routes' scopes have already decided what it may do), never an owner, nowhere else.
    api_key_team_id: str | None = None

    @property
    def is_api_key(self) -> bool:
        return self.api_key_team_id is not None


def api_key_caller(team_id: str, key_id: str) -> Caller:
    """An API key as a caller of the product's services; its `uid` is what `createdBy` records."""
    return Caller(uid=f"apiKey:{key_id}", api_key_team_id=team_id)


def caller_from(auth: https_fn.AuthData | None) -> Caller:
    """The signed-in user; the SDK has already verified the ID token's signature and claims."""
    if auth is None or not auth.uid:
        raise errors.Unauthenticated("sign in to call this function")
    email = auth.token.get("email") if isinstance(auth.token, dict) else None
    return Caller(uid=auth.uid, email=email if isinstance(email, str) else None)


def require_role(caller: Caller, team_id: str, minimum: Role) -> Role:
    """The caller's role in the team; permission-denied when not a member or below `minimum`.

    A team that does not exist and a team the caller is not in answer the same, so nobody learns
    which team ids exist.
    """
    if caller.is_api_key:
        role = Role.ADMIN if team_id == caller.api_key_team_id else None
    else:
        role = members.get_role(team_id, caller.uid)
    if role is None:
        raise errors.PermissionDenied("you are not a member of this team", field="teamId")
    if role.rank < minimum.rank:
        raise errors.PermissionDenied(f"this needs the {minimum.value} role or higher", field="teamId")
    return role


def require_member(caller: Caller, team_id: str) -> Role:
    return require_role(caller, team_id, Role.MEMBER)


def require_admin(caller: Caller, team_id: str) -> Role:
    return require_role(caller, team_id, Role.ADMIN)
