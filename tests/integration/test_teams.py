"""`teams_list`: the caller's teams and roles, found through the `uid` field of their memberships."""

from __future__ import annotations

from google.cloud import firestore

from functions import teams_list
from shared.models.teams import Role
from shared.store import members
from tests.support.callables import call


def test_answers_each_team_of_the_caller_with_its_role_by_name(db: firestore.Client) -> None:
    db.document("teams/team-z").set({"name": "Zebra support"})
    db.document("teams/team-a").set({"name": "alpha desk"})
    members.set_role("team-z", "ana", Role.MEMBER)
    members.set_role("team-a", "ana", Role.OWNER)
    members.set_role("team-b", "bob", Role.ADMIN)  # someone else's team
    members.set_role("team-a", "bob", Role.MEMBER)

    answer = call(teams_list, {}, uid="ana")

    assert answer.status == 200, answer.body
    assert answer.result == {
        "items": [
            {"teamId": "team-a", "name": "alpha desk", "role": "owner"},
            {"teamId": "team-z", "name": "Zebra support", "role": "member"},
        ]
    }


def test_a_team_without_a_name_is_named_by_its_id_and_a_role_change_shows(db: firestore.Client) -> None:
    members.set_role("team-nameless", "ana", Role.MEMBER)
    members.set_role("team-nameless", "ana", Role.ADMIN)

    answer = call(teams_list, {}, uid="ana")

    assert answer.result == {"items": [{"teamId": "team-nameless", "name": "team-nameless", "role": "admin"}]}


def test_a_user_of_no_team_gets_an_empty_list(db: firestore.Client) -> None:
    members.set_role("team-a", "ana", Role.OWNER)

    assert call(teams_list, {}, uid="carol").result == {"items": []}


def test_needs_sign_in_and_refuses_any_field(db: firestore.Client) -> None:
    anonymous = call(teams_list, {})
    with_field = call(teams_list, {"teamId": "team-a"}, uid="ana")

    assert anonymous.error["status"] == "UNAUTHENTICATED"
    assert with_field.error["status"] == "INVALID_ARGUMENT"
    assert with_field.error["details"]["field"] == "teamId"
    assert db.collection("teams").get() == []
