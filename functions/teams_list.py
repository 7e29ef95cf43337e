"""The caller's teams and their role in each, for the console's team picker.

Trigger: callable
Input: TeamListQuery ({})   Output: TeamList ({"items": [{teamId, name, role}]}, by name)
Errors: unauthenticated, invalid-argument (any field given)
Idempotency: none: read-only
Writes: nothing (reads teams/*/members/{uid} by its `uid` field, then the teams' names)
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.teams import TeamListQuery
from shared.teams import list_my_teams


@rejects_malformed_json
@https_fn.on_call()
def teams_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, TeamListQuery, list_my_teams)
