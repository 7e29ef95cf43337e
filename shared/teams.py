"""The signed-in user's teams: what the console's team picker lists."""

from __future__ import annotations

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
