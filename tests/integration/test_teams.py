"""`teams_list`: the caller's teams and roles, found through the `uid` field of their memberships."""

from __future__ import annotations

from google.cloud import firestore

from functions import teams_list
from shared.models.teams import Role
from shared.store import members
from shared.teams import member_written
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


def test_a_membership_written_as_role_only_is_found_once_stamped(db: firestore.Client) -> None:
    # The helpdesk writes memberships as {role}; the trigger on_member_written calls member_written.
    db.document("teams/team-a/members/ana").set({"role": "admin"})
    assert call(teams_list, {}, uid="ana").result == {"items": []}

    member_written("team-a", "ana")
    stamped = db.document("teams/team-a/members/ana").get()
    # Its own write fires the trigger again: that run, and any redelivery, writes nothing.
    member_written("team-a", "ana")

    assert stamped.to_dict() == {"role": "admin", "uid": "ana"}
    assert db.document("teams/team-a/members/ana").get().update_time == stamped.update_time
    assert call(teams_list, {}, uid="ana").result == {
        "items": [{"teamId": "team-a", "name": "team-a", "role": "admin"}]
    }


def test_a_deleted_membership_is_not_stamped_back(db: firestore.Client) -> None:
    member_written("team-a", "gone")

    assert not db.document("teams/team-a/members/gone").get().exists


def test_every_earlier_membership_is_stamped_a_page_at_a_time_and_again_writes_nothing(
    db: firestore.Client,
) -> None:
    for index in range(7):
        db.document(f"teams/team-{index % 3}/members/user-{index}").set({"role": "member"})
    members.set_role("team-9", "user-9", Role.OWNER)
    # A uid that does not match its document is corrected, never trusted.
    db.document("teams/team-0/members/user-x").set({"role": "member", "uid": "user-0"})

    # Before the stamp, a field naming another user lists nothing for them: the document id decides.
    assert [item["teamId"] for item in call(teams_list, {}, uid="user-0").result["items"]] == []
    assert members.stamp_every_uid(page_size=3) == 8
    assert members.stamp_every_uid(page_size=3) == 0

    for snapshot in db.collection_group("members").stream():
        assert snapshot.to_dict()["uid"] == snapshot.id
    assert [item["teamId"] for item in call(teams_list, {}, uid="user-x").result["items"]] == ["team-0"]
    assert [item["teamId"] for item in call(teams_list, {}, uid="user-0").result["items"]] == ["team-0"]
