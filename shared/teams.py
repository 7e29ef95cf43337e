"""The signed-in user's teams: what the console's team picker lists."""

from __future__ import annotations

from shared import log
from shared.auth import Caller
from shared.models.teams import TeamList, TeamListQuery, TeamMembershipPublic
from shared.store import members, teams


def list_my_teams(caller: Caller, _query: TeamListQuery) -> TeamList:
    """Every team the caller belongs to with their role there, by team name (a user may see their own
    memberships: firestore.rules lets them read `teams/{teamId}/members/{uid}` too)."""
    memberships = members.teams_of(caller.uid)
    names = teams.names(team_id for team_id, _ in memberships)
    items = [
        TeamMembershipPublic(team_id=team_id, name=names.get(team_id, team_id), role=role)
        for team_id, role in memberships
    ]
    return TeamList(items=sorted(items, key=lambda item: (item.name.casefold(), item.team_id)))


def member_written(team_id: str, uid: str) -> None:
    """Keep a membership findable by `teams_list`: the helpdesk writes `teams/{teamId}/members/{uid}` as
    `{role}`, and a document id cannot be matched by a collection-group query, so `uid` is stamped on it.
    Idempotent: a document that has it is left alone (so the stamp's own write ends here)."""
    if members.stamp_uid(team_id, uid):
        log.info("membership stamped", teamId=team_id, uid=uid)
