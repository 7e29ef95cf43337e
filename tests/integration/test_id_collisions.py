"""Ids and paths built from several parts never collide: the attacks a hostile review of wave 1 made,
replayed against the emulator.

The review found that team `X` storing Google user `google_u1` and team `X_google` storing Google user
`u1` shared `secrets/oauth_X_google_google_u1`: X's integration test sent the other team's token to X's
server, and X's revoke deleted the other team's tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from google.cloud import firestore

from functions import (
    integrations_create,
    integrations_test,
    oauth_tokens_get,
    oauth_tokens_refresh,
    oauth_tokens_revoke,
    oauth_tokens_store,
)
from shared import ids
from shared.models.teams import Role
from shared.oauth import tokens
from shared.store import members
from tests.integration.conftest import all_documents
from tests.support.callables import call
from tests.support.http_servers import Reply, serving

VICTIM_TOKEN = "victim-team-google-access-token-0001"
ATTACKER_TOKEN = "attacker-team-google-access-token-02"


def make_team(team_id: str, owner: str) -> None:
    members.set_role(team_id, owner, Role.OWNER)


def store(team_id: str, owner: str, user_id: str, access_token: str) -> str:
    answer = call(
        oauth_tokens_store,
        {
            "teamId": team_id,
            "provider": "google",
            "userId": user_id,
            "accessToken": access_token,
            "expiresAt": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
        uid=owner,
    )
    assert answer.status == 200, answer.body
    oauth_id: str = answer.result["id"]
    return oauth_id


@pytest.fixture
def two_teams(db: firestore.Client) -> tuple[str, str]:
    """The attacker's team `X` and the victim's team `X_google`, each with its own owner."""
    make_team("X", "attacker")
    make_team("X_google", "victim")
    store("X_google", "victim", "u1", VICTIM_TOKEN)
    attacker_oauth_id = store("X", "attacker", "google_u1", ATTACKER_TOKEN)
    return attacker_oauth_id, tokens.oauth_id_for(tokens.OAuthProvider.GOOGLE, None, "u1")


def test_two_teams_whose_ids_join_alike_keep_separate_sealed_tokens(
    db: firestore.Client, two_teams: tuple[str, str]
) -> None:
    attacker_id, victim_id = two_teams

    attacker = tokens.load_connection("X", attacker_id)
    victim = tokens.load_connection("X_google", victim_id)

    assert tokens.load_tokens(attacker) == tokens.Tokens(ATTACKER_TOKEN, None)
    assert tokens.load_tokens(victim) == tokens.Tokens(VICTIM_TOKEN, None)
    sealed = sorted(path for path in all_documents(db) if path.startswith("secrets/"))
    assert sealed == [f"secrets/X/oauthTokens/{attacker_id}", f"secrets/X_google/oauthTokens/{victim_id}"]


def test_an_integration_test_sends_only_its_own_teams_token(
    db: firestore.Client, two_teams: tuple[str, str], private_networks: None
) -> None:
    attacker_id, _ = two_teams
    with serving(lambda received: Reply(200, b"{}")) as server:
        created = call(
            integrations_create,
            {
                "teamId": "X",
                "type": "rest",
                "name": "exfiltration attempt",
                "config": {"baseUrl": server.url, "auth": {"type": "oauth", "oauthId": attacker_id}},
            },
            uid="attacker",
        )
        assert created.status == 200, created.body
        call(integrations_test, {"teamId": "X", "integrationId": created.result["id"]}, uid="attacker")

    [request] = server.received
    assert request.headers["authorization"] == f"Bearer {ATTACKER_TOKEN}"


def test_one_teams_revoke_leaves_the_other_teams_tokens(
    db: firestore.Client, two_teams: tuple[str, str]
) -> None:
    attacker_id, victim_id = two_teams

    answer = call(oauth_tokens_revoke, {"teamId": "X", "oauthId": attacker_id}, uid="attacker")

    assert answer.status == 200, answer.body
    victim = tokens.load_connection("X_google", victim_id)
    assert tokens.load_tokens(victim) == tokens.Tokens(VICTIM_TOKEN, None)


def test_a_ciphertext_moved_to_another_owner_does_not_open(
    db: firestore.Client, two_teams: tuple[str, str]
) -> None:
    attacker_id, victim_id = two_teams
    victim_sealed = db.document(f"secrets/X_google/oauthTokens/{victim_id}").get().to_dict()
    assert victim_sealed is not None

    db.document(f"secrets/X/oauthTokens/{attacker_id}").set(victim_sealed)

    with pytest.raises(Exception, match="could not be decrypted"):
        tokens.load_tokens(tokens.load_connection("X", attacker_id))


@pytest.mark.parametrize(
    "user_id", ["alice@example.com", "first.last+crm@example.co.uk", "google_u1", "a_5f"]
)
def test_every_user_id_a_token_can_be_stored_for_can_be_read_refreshed_and_revoked(
    db: firestore.Client, team: str, user_id: str
) -> None:
    stored = call(
        oauth_tokens_store,
        {"teamId": team, "provider": "hubspot", "userId": user_id, "accessToken": "hubspot-access-token-000"},
        uid="owner",
    )
    oauth_id = stored.result["id"]

    fetched = call(oauth_tokens_get, {"teamId": team, "provider": "hubspot", "userId": user_id}, uid="member")
    refreshed = call(
        oauth_tokens_refresh,
        {"teamId": team, "oauthId": oauth_id, "newToken": "hubspot-access-token-001"},
        uid="admin",
    )
    revoked = call(oauth_tokens_revoke, {"teamId": team, "oauthId": oauth_id}, uid="admin")

    assert (fetched.status, refreshed.status, revoked.status) == (200, 200, 200), (
        fetched,
        refreshed,
        revoked,
    )
    assert fetched.result["id"] == oauth_id
    assert revoked.result["status"] == "revoked"
    assert not db.document(f"secrets/{team}/oauthTokens/{oauth_id}").get().exists


def test_user_ids_that_differ_get_different_oauth_ids() -> None:
    pairs = [
        ("google", "google_u1"),
        ("google", "google_5fu1"),
        ("google", "u1"),
        ("google", "a@b"),
        ("google", "a_40b"),
    ]
    made = {tokens.oauth_id_for(tokens.OAuthProvider(provider), None, user) for provider, user in pairs}

    assert len(made) == len(pairs)
    for _, user in pairs:
        assert ids.unescape_segment(ids.escape_segment(user)) == user
