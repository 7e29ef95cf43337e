"""OAuth connections against a real OAuth 2.0 server on loopback and the real Firestore emulator:
the code flow with PKCE, state replay and expiry, denied consent, refresh with and without rotation,
invalid_grant, failures, revocation, the refresh race (threads and processes) and the schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from google.cloud import firestore

from functions import (
    oauth_callback,
    oauth_providers_list,
    oauth_providers_set,
    oauth_start,
    oauth_tokens_get,
    oauth_tokens_refresh,
    oauth_tokens_revoke,
    oauth_tokens_store,
)
from shared import errors, sealed
from shared.oauth import scheduler, tokens
from tests.integration.conftest import all_documents
from tests.support.callables import call
from tests.support.oauth_server import CLIENT_ID, CLIENT_SECRET, OAuthServer, acme_provider
from tests.support.sweeps import PageRunner
from tests.support.task_queue import RecordingQueue

RETURN_URL = "http://localhost:3000/settings/integrations?tab=oauth"
CALLBACK_URL = "http://127.0.0.1:5001/demo-integrations/us-central1/oauth_callback"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def oauth_server(private_networks: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[OAuthServer]:
    from shared.settings import reset_settings

    monkeypatch.setenv("OAUTH_CALLBACK_URL", CALLBACK_URL)
    reset_settings()
    server = OAuthServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def provider(oauth_server: OAuthServer, team: str) -> str:
    """The team's custom provider "acme", served by the loopback OAuth server."""
    answer = call(
        oauth_providers_set,
        acme_provider(oauth_server.url, team),
        uid="admin",
    )
    assert answer.status == 200, answer.body
    assert "clientSecret" not in answer.result
    return "acme"


def call_callback(query: str) -> tuple[int, str | None, str]:
    """Run oauth_callback on the provider's redirect query; (status, Location, body)."""
    from flask import Flask, request

    app = Flask("callback-tests")
    with app.test_request_context(f"/?{query}", method="GET"):
        response = oauth_callback(request)
    return response.status_code, response.headers.get("Location"), response.get_data(as_text=True)


def authorize(team: str, oauth_server: OAuthServer) -> str:
    """Start the flow as the admin and let the server consent: the callback's query string."""
    started = call(
        oauth_start,
        {"teamId": team, "provider": "custom", "customProviderId": "acme", "returnUrl": RETURN_URL},
        uid="admin",
    ).result
    consent = requests.get(started["authorizationUrl"], allow_redirects=False, timeout=10)
    assert consent.status_code == 302
    location = consent.headers["Location"]
    assert location.startswith(CALLBACK_URL + "?")
    return urlsplit(location).query


def connect(team: str, oauth_server: OAuthServer) -> str:
    status, location, _ = call_callback(authorize(team, oauth_server))
    assert status == 302
    assert location is not None
    query = parse_qs(urlsplit(location).query)
    assert query["status"] == ["connected"], location
    return query["oauthId"][0]


def expire_soon(db: firestore.Client, team: str, oauth_id: str, minutes: float = 1) -> None:
    db.document(f"teams/{team}/oauthTokens/{oauth_id}").update(
        {"expiresAt": datetime.now(UTC) + timedelta(minutes=minutes)}
    )


# ------------------------------------------------------------------ the code flow


def test_the_code_flow_with_pkce_stores_a_sealed_connection(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    started = call(
        oauth_start,
        {"teamId": team, "provider": "custom", "customProviderId": provider, "returnUrl": RETURN_URL},
        uid="admin",
    ).result
    query = parse_qs(urlsplit(started["authorizationUrl"]).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [CALLBACK_URL]
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["contacts offline"]
    assert len(query["state"][0]) >= 32

    consent = requests.get(started["authorizationUrl"], allow_redirects=False, timeout=10)
    status, location, _ = call_callback(urlsplit(consent.headers["Location"]).query)

    assert status == 302
    assert location is not None
    assert location.startswith("http://localhost:3000/settings/integrations?tab=oauth&")
    back = parse_qs(urlsplit(location).query)
    assert back["status"] == ["connected"]
    oauth_id = back["oauthId"][0]
    assert oauth_id == "custom-acme_admin"
    exchange = oauth_server.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code"
    assert len(exchange["code_verifier"]) >= 43

    connection = call(
        oauth_tokens_get,
        {"teamId": team, "provider": "custom", "customProviderId": "acme", "userId": "admin"},
        uid="member",
    ).result
    assert connection["status"] == "active"
    assert connection["hasRefreshToken"] is True
    assert connection["scopes"] == ["contacts", "offline"]
    access_token = oauth_server.issued_access_tokens[-1]
    assert connection["accessToken"] != access_token
    assert access_token not in json.dumps(all_documents(db), default=str)
    assert tokens.access_token_for(team, oauth_id) == access_token
    assert not [path for path in all_documents(db) if path.startswith("oauthStates/")]


def test_a_replayed_state_gets_an_error_page_and_stores_nothing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    query = authorize(team, oauth_server)
    assert call_callback(query)[0] == 302
    before = all_documents(db)

    status, location, page = call_callback(query)

    assert (status, location) == (400, None)
    assert "unknown or was already used" in page
    assert all_documents(db) == before


def test_an_unknown_state_gets_an_error_page(
    db: firestore.Client, team: str, oauth_server: OAuthServer
) -> None:
    before = all_documents(db)
    status, location, page = call_callback("state=made-up-state&code=whatever")
    assert (status, location) == (400, None)
    assert "unknown" in page
    assert all_documents(db) == before


def test_an_expired_state_gets_an_error_page_and_stores_nothing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    query = authorize(team, oauth_server)
    for state_doc in db.collection("oauthStates").stream():
        state_doc.reference.update({"expiresAt": datetime.now(UTC) - timedelta(seconds=1)})

    status, location, page = call_callback(query)

    assert (status, location) == (400, None)
    assert "expired" in page
    assert not [path for path in all_documents(db) if "oauthTokens" in path]
    assert oauth_server.token_requests == []


def test_a_denied_consent_goes_back_with_the_reason(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    oauth_server.deny_consent = True
    status, location, _ = call_callback(authorize(team, oauth_server))
    assert status == 302
    assert location is not None
    assert parse_qs(urlsplit(location).query) == {
        "tab": ["oauth"],
        "status": ["error"],
        "reason": ["access_denied"],
    }
    assert not [path for path in all_documents(db) if "oauthTokens" in path]


def test_a_wrong_pkce_verifier_fails_the_exchange_and_stores_nothing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    query = authorize(team, oauth_server)
    # Swap the sealed verifier for another one: the server's S256 check must refuse the exchange.
    for state_doc in db.collection("oauthStates").stream():
        wrong, _version = sealed.seal(f"oauthStates/{state_doc.id}", {"codeVerifier": "w" * 64})
        state_doc.reference.update({"codeVerifier": wrong})

    status, location, _ = call_callback(query)

    assert status == 302
    assert location is not None
    assert parse_qs(urlsplit(location).query)["reason"] == ["invalid_grant"]
    assert not [path for path in all_documents(db) if "oauthTokens" in path]


def test_return_urls_must_be_allowed(team: str, oauth_server: OAuthServer, provider: str) -> None:
    answer = call(
        oauth_start,
        {
            "teamId": team,
            "provider": "custom",
            "customProviderId": "acme",
            "returnUrl": "https://evil.example/steal",
        },
        uid="admin",
    )
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == "returnUrl"


def test_built_in_providers_need_a_configured_client(team: str, oauth_server: OAuthServer) -> None:
    answer = call(oauth_start, {"teamId": team, "provider": "google", "returnUrl": RETURN_URL}, uid="admin")
    assert answer.error["status"] == "FAILED_PRECONDITION"
    assert answer.error["details"]["field"] == "provider"


def test_built_in_provider_specifics_reach_the_authorization_url(
    team: str, oauth_server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.oauth.providers import builtin_specs
    from shared.settings import reset_settings

    monkeypatch.setenv(
        "OAUTH_CLIENTS",
        json.dumps(
            {
                p: {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
                for p in ("google", "slack", "salesforce", "microsoft", "hubspot")
            }
        ),
    )
    reset_settings()
    builtin_specs.cache_clear()

    def url_for(provider_name: str) -> dict[str, list[str]]:
        started = call(
            oauth_start, {"teamId": team, "provider": provider_name, "returnUrl": RETURN_URL}, uid="admin"
        )
        return parse_qs(urlsplit(started.result["authorizationUrl"]).query)

    google = url_for("google")
    assert google["access_type"] == ["offline"]
    assert google["prompt"] == ["consent"]
    assert "code_challenge" in google
    slack = url_for("slack")
    assert slack["scope"] == ["chat:write,channels:read"]
    assert "code_challenge" not in slack
    assert "offline_access" in url_for("salesforce")["scope"][0].split()
    microsoft = url_for("microsoft")
    assert "offline_access" in microsoft["scope"][0].split()
    builtin_specs.cache_clear()


# ------------------------------------------------------------------ refresh


def test_refresh_without_rotation_keeps_the_refresh_token(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    oauth_id = connect(team, oauth_server)
    first_refresh_token = oauth_server.token_requests and tokens.load_tokens(
        tokens.load_connection(team, oauth_id)
    )
    assert first_refresh_token
    expire_soon(db, team, oauth_id)

    token = tokens.access_token_for(team, oauth_id)

    assert token == oauth_server.issued_access_tokens[-1]
    assert oauth_server.refresh_grants() == 1
    after = tokens.load_tokens(tokens.load_connection(team, oauth_id))
    assert after is not None
    assert after.refresh_token == first_refresh_token.refresh_token
    stored = db.document(f"teams/{team}/oauthTokens/{oauth_id}").get().to_dict()
    assert stored["expiresAt"] > datetime.now(UTC) + timedelta(minutes=50)


def test_refresh_with_rotation_stores_the_new_refresh_token(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    oauth_id = connect(team, oauth_server)
    before = tokens.load_tokens(tokens.load_connection(team, oauth_id))
    oauth_server.rotate_refresh_tokens = True
    expire_soon(db, team, oauth_id)

    tokens.access_token_for(team, oauth_id)
    expire_soon(db, team, oauth_id)
    tokens.access_token_for(team, oauth_id)  # works only with the rotated token

    after = tokens.load_tokens(tokens.load_connection(team, oauth_id))
    assert before is not None
    assert after is not None
    assert after.refresh_token != before.refresh_token
    assert oauth_server.refresh_grants() == 2


def test_invalid_grant_needs_reauth_emits_an_event_and_stops_refreshing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    oauth_id = connect(team, oauth_server)
    oauth_server._refresh_tokens.clear()
    expire_soon(db, team, oauth_id)

    with pytest.raises(tokens.InvalidGrant):
        tokens.access_token_for(team, oauth_id)
    with pytest.raises(errors.FailedPrecondition):
        tokens.access_token_for(team, oauth_id)
    assert tokens.refresh_if_due(team, oauth_id) == "skipped"

    assert oauth_server.refresh_grants() == 1
    stored = db.document(f"teams/{team}/oauthTokens/{oauth_id}").get().to_dict()
    assert stored["status"] == "needs_reauth"
    events = [doc.to_dict() for doc in db.collection(f"teams/{team}/events").stream()]
    assert [event["type"] for event in events] == ["connection.needs_reauth"]
    assert events[0]["data"]["id"] == oauth_id


def test_other_failures_wait_30_seconds_and_give_up_after_four_days(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    oauth_id = connect(team, oauth_server)
    ref = db.document(f"teams/{team}/oauthTokens/{oauth_id}")
    oauth_server.fail_token_requests_with = 500
    ref.update({"expiresAt": datetime.now(UTC) + timedelta(minutes=10)})

    with pytest.raises(errors.Unavailable):
        tokens.refresh(team, oauth_id, force=True)
    stored = ref.get().to_dict()
    assert stored["status"] == "active"
    assert stored["failureDays"] == [datetime.now(UTC).date().isoformat()]
    assert stored["refreshNotBefore"] > datetime.now(UTC) + timedelta(seconds=20)
    assert tokens.refresh_if_due(team, oauth_id) == "waiting"

    # Three earlier failing days, then today's failure: the fourth day exhausts the connection.
    ref.update({"failureDays": ["2026-01-01", "2026-01-02", "2026-01-03"], "refreshNotBefore": None})
    with pytest.raises(errors.Unavailable):
        tokens.refresh(team, oauth_id, force=True)
    assert ref.get().to_dict()["status"] == "exhausted"


def test_a_token_refreshed_elsewhere_can_be_stored(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    oauth_id = connect(team, oauth_server)
    expires_at = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    answer = call(
        oauth_tokens_refresh,
        {
            "teamId": team,
            "oauthId": oauth_id,
            "newToken": "from-elsewhere-123456",
            "expiresAt": expires_at.isoformat(),
        },
        uid="admin",
    ).result
    assert datetime.fromisoformat(answer["expiresAt"]) == expires_at
    assert tokens.access_token_for(team, oauth_id) == "from-elsewhere-123456"
    assert oauth_server.refresh_grants() == 0

    refreshed_now = call(oauth_tokens_refresh, {"teamId": team, "oauthId": oauth_id}, uid="admin")
    assert refreshed_now.status == 200
    assert oauth_server.refresh_grants() == 1


def test_revoke_tells_the_provider_deletes_tokens_and_is_idempotent(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    oauth_id = connect(team, oauth_server)
    refresh_token = tokens.load_tokens(tokens.load_connection(team, oauth_id)).refresh_token  # type: ignore[union-attr]

    first = call(oauth_tokens_revoke, {"teamId": team, "oauthId": oauth_id}, uid="admin").result
    second = call(oauth_tokens_revoke, {"teamId": team, "oauthId": oauth_id}, uid="admin").result

    assert first == {"id": oauth_id, "status": "revoked", "revokedAtProvider": True}
    assert second == {"id": oauth_id, "status": "revoked", "revokedAtProvider": False}
    assert refresh_token in oauth_server.revoked
    assert not db.document(f"secrets/{team}/oauthTokens/{oauth_id}").get().exists
    with pytest.raises(errors.FailedPrecondition):
        tokens.access_token_for(team, oauth_id)


def test_a_token_obtained_elsewhere_is_stored_sealed(db: firestore.Client, team: str) -> None:
    answer = call(
        oauth_tokens_store,
        {
            "teamId": team,
            "provider": "hubspot",
            "userId": "user-42",
            "accessToken": "hubspot-access-token-value",
            "refreshToken": "hubspot-refresh-token-value",
            "expiresAt": (datetime.now(UTC) + timedelta(minutes=30)).isoformat(),
            "scopes": ["crm.objects.contacts.read"],
        },
        uid="owner",
    )
    assert answer.status == 200, answer.body
    assert answer.result["id"] == "hubspot_user-42"
    assert "hubspot-access-token-value" not in json.dumps(answer.body)
    assert "hubspot-access-token-value" not in json.dumps(all_documents(db), default=str)
    fetched = call(
        oauth_tokens_get, {"teamId": team, "provider": "hubspot", "userId": "user-42"}, uid="member"
    )
    assert fetched.result["accessToken"] == answer.result["accessToken"]
    member_store = call(
        oauth_tokens_store,
        {"teamId": team, "provider": "hubspot", "userId": "x", "accessToken": "y"},
        uid="member",
    )
    assert member_store.error["status"] == "PERMISSION_DENIED"


def test_custom_providers_are_listed_without_secrets(team: str, provider: str) -> None:
    listed = call(oauth_providers_list, {"teamId": team}, uid="member").result
    assert [item["id"] for item in listed["items"]] == ["acme"]
    assert CLIENT_SECRET not in json.dumps(listed)
    assert listed["items"][0]["hasClientSecret"] is True


# ------------------------------------------------------------------ the race


def test_twenty_concurrent_refreshes_make_one_token_request(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    oauth_id = connect(team, oauth_server)
    oauth_server.token_delay_seconds = 0.3  # a slow provider widens the window for a race
    expire_soon(db, team, oauth_id)
    results: list[str] = []
    barrier = threading.Barrier(20)

    def worker() -> None:
        barrier.wait()
        results.append(tokens.access_token_for(team, oauth_id))

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert oauth_server.refresh_grants() == 1
    assert len(results) == 20
    assert set(results) == {oauth_server.issued_access_tokens[-1]}


def test_two_processes_refreshing_at_once_make_one_token_request(
    db: firestore.Client, project_id: str, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    oauth_id = connect(team, oauth_server)
    oauth_server.token_delay_seconds = 0.3
    expire_soon(db, team, oauth_id)
    go_at = datetime.now(UTC).timestamp() + 3  # both processes start their threads at this moment
    env = {**os.environ, "GCLOUD_PROJECT": project_id, "ALLOW_PRIVATE_NETWORKS": "true"}
    command = [
        sys.executable,
        str(ROOT / "tests/support/refresh_worker.py"),
        team,
        oauth_id,
        str(go_at),
        "10",
    ]

    workers = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=60)[0] for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    tokens_seen = {line for output in outputs for line in output.split()}
    assert oauth_server.refresh_grants() == 1
    assert tokens_seen == {oauth_server.issued_access_tokens[-1]}


# ------------------------------------------------------------------ the schedule


def seed_connection(
    db: firestore.Client,
    team: str,
    oauth_id: str,
    expires_in: timedelta | None,
    refreshed_ago: timedelta = timedelta(minutes=1),
    status: str = "active",
    refresh_token: str | None = None,
) -> None:
    now = datetime.now(UTC)
    tokens.save_tokens(team, oauth_id, tokens.Tokens("at-" + oauth_id, refresh_token))
    db.document(f"teams/{team}/oauthTokens/{oauth_id}").set(
        {
            "provider": "custom",
            "customProviderId": "acme",
            "userId": oauth_id,
            "scopes": [],
            "status": status,
            "expiresAt": now + expires_in if expires_in is not None else None,
            "account": {},
            "hasRefreshToken": refresh_token is not None,
            "createdAt": now,
            "updatedAt": now,
            "lastRefreshedAt": now - refreshed_ago,
        }
    )


def test_the_sweep_refreshes_exactly_the_due_connections(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str
) -> None:
    cases = {
        "expired": timedelta(minutes=-5),
        "in-5-min": timedelta(minutes=5),
        "in-14-min": timedelta(minutes=14),
        "in-16-min": timedelta(minutes=16),
        "in-2-hours": timedelta(hours=2),
        "never-expires": None,
    }
    for name, expires_in in cases.items():
        seed_connection(db, team, name, expires_in, refresh_token=oauth_server.issue_refresh_token())
    seed_connection(
        db,
        team,
        "idle-25-hours",
        timedelta(hours=2),
        timedelta(hours=25),
        refresh_token=oauth_server.issue_refresh_token(),
    )
    seed_connection(
        db, team, "needs-reauth", timedelta(minutes=1), status="needs_reauth", refresh_token="gone"
    )
    runner = PageRunner(scheduler.REFRESH_SWEEP, RecordingQueue())

    now = datetime.now(UTC)
    scheduler.REFRESH_SWEEP.start(now, runner.queue)
    runner.run_all()
    scheduler.REFRESH_SWEEP.start(now, runner.queue)  # the same tick, delivered twice
    runner.run_all()
    queued = {task.dedupe_id: task.data for task in runner.queue.of("taskRefreshToken")}

    due = sorted(data["oauthId"] for data in queued.values())
    assert due == ["expired", "idle-25-hours", "in-14-min", "in-5-min"]
    assert runner.ran == 2  # one page for each of the two due queries
    outcomes = {
        data["oauthId"]: scheduler.run_refresh(scheduler.RefreshTask.model_validate(data))
        for data in queued.values()
    }
    assert set(outcomes.values()) == {"refreshed"}
    assert oauth_server.refresh_grants() == 4
    # A redelivered task finds the connection fresh and makes no call.
    redelivered = scheduler.RefreshTask.model_validate({"teamId": team, "oauthId": "in-5-min"})
    assert scheduler.run_refresh(redelivered) == "fresh"
    assert oauth_server.refresh_grants() == 4


# ------------------------------------------------------------------ getOAuthToken for "custom"


def store_custom(team: str, provider_id: str, user_id: str, access_token: str) -> None:
    answer = call(
        oauth_tokens_store,
        {
            "teamId": team,
            "provider": "custom",
            "customProviderId": provider_id,
            "userId": user_id,
            "accessToken": access_token,
        },
        uid="owner",
    )
    assert answer.status == 200, answer.body


def test_get_token_for_custom_without_a_provider_id_finds_the_users_only_custom_connection(
    oauth_server: OAuthServer, team: str, provider: str
) -> None:
    store_custom(team, provider, "user-7", "acme-access-token-one")
    store_custom(team, provider, "user-8", "acme-access-token-two")  # another user's: not ambiguous

    answer = call(oauth_tokens_get, {"teamId": team, "provider": "custom", "userId": "user-7"}, uid="member")

    assert answer.status == 200, answer.body
    assert answer.result["customProviderId"] == "acme"
    assert answer.result["userId"] == "user-7"


def test_get_token_for_custom_with_several_custom_connections_names_custom_provider_id(
    oauth_server: OAuthServer, team: str, provider: str
) -> None:
    second = acme_provider(oauth_server.url, team) | {"providerId": "acme-two", "name": "Acme Two"}
    assert call(oauth_providers_set, second, uid="admin").status == 200
    store_custom(team, "acme", "user-7", "acme-access-token-one")
    store_custom(team, "acme-two", "user-7", "acme-access-token-two")

    ambiguous = call(
        oauth_tokens_get, {"teamId": team, "provider": "custom", "userId": "user-7"}, uid="member"
    )
    named = call(
        oauth_tokens_get,
        {"teamId": team, "provider": "custom", "customProviderId": "acme-two", "userId": "user-7"},
        uid="member",
    )

    assert ambiguous.error["status"] == "INVALID_ARGUMENT"
    assert ambiguous.error["details"]["field"] == "customProviderId"
    assert named.result["customProviderId"] == "acme-two"


def test_get_token_for_custom_without_any_custom_connection_is_not_found(team: str) -> None:
    answer = call(oauth_tokens_get, {"teamId": team, "provider": "custom", "userId": "nobody"}, uid="member")

    assert answer.error["status"] == "NOT_FOUND"
