"""In the emulator suite: a membership written as the helpdesk writes it (`{role}`, by the `team`
fixture) is stamped by the trigger `on_member_written`, and `teams_list` then lists the team."""

from __future__ import annotations

import time

from google.cloud import firestore

from tests.e2e.conftest import Team, call_function


def test_a_role_only_membership_is_stamped_by_the_trigger_and_listed(
    db: firestore.Client, team: Team
) -> None:
    def memberships() -> list[dict[str, str]]:
        return [
            snapshot.to_dict() or {} for snapshot in db.collection(f"teams/{team.team_id}/members").stream()
        ]

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all("uid" in data for data in memberships()):
        time.sleep(0.5)
    answer = call_function("teams_list", None, token=team.owner_token)

    assert sorted(data["role"] for data in memberships() if "uid" in data) == ["member", "owner"]
    assert answer.status == 200, answer.body
    assert answer.result["items"] == [{"teamId": team.team_id, "name": "E2E team", "role": "owner"}]
