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
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from google.cloud import firestore

from functions import (
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
from shared.store import oauth as oauth_store
from shared.store import paths
from tests.integration.conftest import all_documents
from tests.support.callables import call
from tests.support.oauth_browser import FunctionsServer, consent, open_callback, open_launch
from tests.support.oauth_server import CLIENT_ID, CLIENT_SECRET, OAuthServer, acme_provider
from tests.support.sweeps import PageRunner
from tests.support.task_queue import RecordingQueue

CONSOLE = "http://localhost:3000/"  # the Referer of the console page that opens the launch URL
RETURN_URL = "http://localhost:3000/settings/integrations?tab=oauth"
ROOT = Path(__file__).resolve().parents[2]


def start_flow(team: str) -> str:
    """oauth_start as the admin: the launch URL it answers."""
    started = call(
        oauth_start,
        {"teamId": team, "provider": "custom", "customProviderId": "acme", "returnUrl": RETURN_URL},
        uid="admin",
    )
    assert started.status == 200, started.body
    launch_url: str = started.result["authorizationUrl"]
    return launch_url


def authorize(team: str, browser: requests.Session) -> str:
    """Start the flow as the admin, open the launch in the admin's browser from the console, and let
    the provider consent: the callback URL the provider redirects to (not opened yet)."""
    launched = open_launch(browser, start_flow(team), CONSOLE)
    assert launched.status_code == 302, launched.text
    return consent(browser, launched.headers["Location"])


def connect(team: str, browser: requests.Session) -> str:
    """The whole flow in the admin's browser: the new connection's oauthId."""
    landing = open_callback(browser, authorize(team, browser))
    assert landing.status == 302, landing.page
    assert landing.back["status"] == ["connected"], landing.location
    return landing.back["oauthId"][0]


def expire_soon(db: firestore.Client, team: str, oauth_id: str, minutes: float = 1) -> None:
    db.document(f"teams/{team}/oauthTokens/{oauth_id}").update(
        {"expiresAt": datetime.now(UTC) + timedelta(minutes=minutes)}
    )


# ------------------------------------------------------------------ the code flow


def test_the_code_flow_with_pkce_stores_a_sealed_connection(
    db: firestore.Client,
    team: str,
    functions_server: FunctionsServer,
    oauth_server: OAuthServer,
    provider: str,
    browser: requests.Session,
) -> None:
    launch_url = start_flow(team)
    assert launch_url.startswith(functions_server.url("oauth_authorize") + "?launch=")

    launched = open_launch(browser, launch_url, CONSOLE)

    assert launched.status_code == 302, launched.text
    provider_url = launched.headers["Location"]
    assert provider_url.startswith(f"{oauth_server.url}/authorize?")
    query = parse_qs(urlsplit(provider_url).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [functions_server.callback_url]
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["contacts offline"]
    assert len(query["state"][0]) >= 32
    assert "__session" in browser.cookies

    landing = open_callback(browser, consent(browser, provider_url))

    assert landing.status == 302, landing.page
    assert landing.location is not None
    assert landing.location.startswith("http://localhost:3000/settings/integrations?tab=oauth&")
    assert landing.back["status"] == ["connected"]
    oauth_id = landing.back["oauthId"][0]
    assert oauth_id == "custom-acme_admin"
    assert "__session" not in browser.cookies  # the flow's binding is used up: the cookie is cleared
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
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    callback_url = authorize(team, browser)
    assert open_callback(browser, callback_url).status == 302
    before = all_documents(db)

    landing = open_callback(browser, callback_url)

    assert (landing.status, landing.location) == (400, None)
    assert "unknown or was already used" in landing.page
    assert all_documents(db) == before


def test_an_unknown_state_gets_an_error_page(
    db: firestore.Client,
    team: str,
    functions_server: FunctionsServer,
    oauth_server: OAuthServer,
    browser: requests.Session,
) -> None:
    before = all_documents(db)
    landing = open_callback(browser, f"{functions_server.callback_url}?state=made-up-state&code=whatever")
    assert (landing.status, landing.location) == (400, None)
    assert "unknown" in landing.page
    assert all_documents(db) == before


def test_an_expired_state_gets_an_error_page_and_stores_nothing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    callback_url = authorize(team, browser)
    for state_doc in db.collection("oauthStates").stream():
        state_doc.reference.update({"expiresAt": datetime.now(UTC) - timedelta(seconds=1)})

    landing = open_callback(browser, callback_url)

    assert (landing.status, landing.location) == (400, None)
    assert "expired" in landing.page
    assert not [path for path in all_documents(db) if "oauthTokens" in path]
    assert oauth_server.token_requests == []


def test_a_denied_consent_goes_back_with_the_reason(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    oauth_server.deny_consent = True
    landing = open_callback(browser, authorize(team, browser))
    assert landing.status == 302
    assert landing.back == {"tab": ["oauth"], "status": ["error"], "reason": ["access_denied"]}
    assert not [path for path in all_documents(db) if "oauthTokens" in path]


def test_a_wrong_pkce_verifier_fails_the_exchange_and_stores_nothing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    callback_url = authorize(team, browser)
    # Swap the sealed verifier for another one: the server's S256 check must refuse the exchange.
    for state_doc in db.collection("oauthStates").stream():
        wrong, _version = sealed.seal(f"oauthStates/{state_doc.id}", {"codeVerifier": "w" * 64})
        state_doc.reference.update({"codeVerifier": wrong})

    landing = open_callback(browser, callback_url)

    assert landing.status == 302
    assert landing.back["reason"] == ["invalid_grant"]
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
        with requests.Session() as browser:
            launched = open_launch(browser, started.result["authorizationUrl"], CONSOLE)
        assert launched.status_code == 302, launched.text
        return parse_qs(urlsplit(launched.headers["Location"]).query)

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
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    oauth_id = connect(team, browser)
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
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    oauth_id = connect(team, browser)
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
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    oauth_id = connect(team, browser)
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
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    oauth_id = connect(team, browser)
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
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    oauth_id = connect(team, browser)
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
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    oauth_id = connect(team, browser)
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
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    oauth_id = connect(team, browser)
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


def another_instance(
    project_id: str, team: str, oauth_id: str, go_at: float, threads: int, forced: bool = False
) -> subprocess.Popen[str]:
    """A process of its own (its own process lock) refreshing the connection from `threads` threads at
    `go_at` (tests/support/refresh_worker.py); it prints the tokens it got."""
    env = {**os.environ, "GCLOUD_PROJECT": project_id, "ALLOW_PRIVATE_NETWORKS": "true"}
    command = [
        sys.executable,
        str(ROOT / "tests/support/refresh_worker.py"),
        team,
        oauth_id,
        str(go_at),
        str(threads),
        *(["force"] if forced else []),
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize("forced", [False, True], ids=["token expiring", "refresh at the provider now"])
def test_two_processes_refreshing_at_once_make_one_token_request(
    db: firestore.Client,
    project_id: str,
    team: str,
    oauth_server: OAuthServer,
    provider: str,
    browser: requests.Session,
    forced: bool,
) -> None:
    oauth_id = connect(team, browser)
    oauth_server.token_delay_seconds = 0.3
    if not forced:
        expire_soon(db, team, oauth_id)
    go_at = datetime.now(UTC).timestamp() + 3  # both processes start their threads at this moment

    workers = [another_instance(project_id, team, oauth_id, go_at, 10, forced=forced) for _ in range(2)]
    outputs = [worker.communicate(timeout=60)[0] for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    tokens_seen = {line for output in outputs for line in output.split()}
    assert oauth_server.refresh_grants() == 1
    assert tokens_seen == {oauth_server.issued_access_tokens[-1]}


@pytest.fixture
def expiring_connection(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> str:
    """A connection made through the code flow whose token expires in a minute: the next caller for a
    token refreshes it. Its oauthId."""
    oauth_id = connect(team, browser)
    expire_soon(db, team, oauth_id)
    return oauth_id


@pytest.fixture
def no_lease_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller that finds the lease taken looks at the connection once, then gives up (no waiting)."""
    monkeypatch.setattr(tokens, "LEASE_WAIT", timedelta(0))
    monkeypatch.setattr(tokens, "LEASE_POLL_SECONDS", 0)


def test_a_caller_that_waited_for_the_lease_takes_the_token_its_holder_refreshed(
    project_id: str,
    team: str,
    oauth_server: OAuthServer,
    expiring_connection: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The re-read after taking the lease. Another instance holds the lease and is at the provider; a
    caller here finds the lease taken, looks at the connection (still expiring) and waits; the other
    instance stores its token and releases the lease just before the caller takes it. The caller
    answers that token and makes no token request of its own."""
    oauth_id = expiring_connection
    held = oauth_server.hold_token_requests = threading.Event()
    other = another_instance(project_id, team, oauth_id, go_at=0, threads=1)
    assert oauth_server.token_request_held.wait(timeout=60)  # it holds the lease, at the provider
    take_lease = oauth_store.take_lease
    leases_taken: list[bool] = []
    other_output: list[str] = []

    def take_lease_after_the_holder_is_done(
        team_id: str, connection_id: str, holder: str, ttl: timedelta
    ) -> bool:
        if leases_taken:  # the caller found the lease taken and looked again: now the holder finishes
            held.set()
            other_output.append(other.communicate(timeout=60)[0])
        leases_taken.append(take_lease(team_id, connection_id, holder, ttl))
        return leases_taken[-1]

    monkeypatch.setattr(oauth_store, "take_lease", take_lease_after_the_holder_is_done)

    answered = tokens.access_token_for(team, oauth_id)

    assert leases_taken == [False, True]
    assert other.returncode == 0
    assert oauth_server.refresh_grants() == 1
    assert other_output[0].split() == [answered] == [oauth_server.issued_access_tokens[-1]]


def test_threads_of_one_instance_make_one_token_request_with_either_layer_alone(
    team: str, oauth_server: OAuthServer, expiring_connection: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two layers against the refresh race, between two threads of one instance. The first one's
    refresh is held at the provider until the second one has queued on the process lock (then it finds
    the first one's token once it gets the lock) or, were there no process lock, has read the expiring
    connection and reached the lease (it takes the lease once the first one released it, and its re-read
    finds the first one's token). Either way: one token request, one token."""
    oauth_id = expiring_connection
    held = oauth_server.hold_token_requests = threading.Event()
    first_done = threading.Event()
    process_lock, take_lease = tokens._process_lock, oauth_store.take_lease

    @contextmanager
    def lock_that_lets_the_provider_answer(team_id: str, connection_id: str) -> Iterator[None]:
        if threading.current_thread().name == "second":
            held.set()
        with process_lock(team_id, connection_id):
            yield

    def lease_taken_after_the_first_is_done(
        team_id: str, connection_id: str, holder: str, ttl: timedelta
    ) -> bool:
        if threading.current_thread().name == "second":
            held.set()
            first_done.wait(timeout=60)
        return take_lease(team_id, connection_id, holder, ttl)

    monkeypatch.setattr(tokens, "_process_lock", lock_that_lets_the_provider_answer)
    monkeypatch.setattr(oauth_store, "take_lease", lease_taken_after_the_first_is_done)
    answered: dict[str, str] = {}

    def caller() -> None:
        try:
            answered[threading.current_thread().name] = tokens.access_token_for(team, oauth_id)
        finally:
            if threading.current_thread().name == "first":
                first_done.set()

    first = threading.Thread(target=caller, name="first")
    first.start()
    assert oauth_server.token_request_held.wait(timeout=60)
    second = threading.Thread(target=caller, name="second")
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)

    assert oauth_server.refresh_grants() == 1
    assert answered == dict.fromkeys(["first", "second"], oauth_server.issued_access_tokens[-1])


@pytest.mark.usefixtures("no_lease_wait")
def test_a_lease_left_by_a_dead_holder_is_taken_over_once_expired(
    db: firestore.Client, team: str, oauth_server: OAuthServer, expiring_connection: str
) -> None:
    """An instance that died holding the lease does not block the connection past the lease's TTL: the
    next caller takes the expired lease over at once (no wait at all is allowed here), refreshes, and
    releases it."""
    oauth_id = expiring_connection
    # Taken by an instance that then died, its TTL since run out.
    assert oauth_store.take_lease(team, oauth_id, "dead-instance", -timedelta(seconds=1))

    answered = tokens.access_token_for(team, oauth_id)

    assert oauth_server.refresh_grants() == 1
    assert answered == oauth_server.issued_access_tokens[-1]
    assert not db.document(paths.oauth_lease(team, oauth_id)).get().exists


@pytest.mark.usefixtures("no_lease_wait")
def test_a_live_lease_held_elsewhere_makes_a_caller_wait_then_give_up(
    db: firestore.Client, team: str, oauth_server: OAuthServer, expiring_connection: str
) -> None:
    """A lease that has not expired is never taken over: a caller waits for it up to LEASE_WAIT (none
    here), looking at the connection, then answers unavailable without a token request of its own, and
    leaves the holder's lease in place."""
    oauth_id = expiring_connection
    assert oauth_store.take_lease(team, oauth_id, "live-instance", tokens.LEASE_TTL)

    with pytest.raises(errors.Unavailable, match="another refresh of this connection is taking too long"):
        tokens.access_token_for(team, oauth_id)

    assert oauth_server.refresh_grants() == 0
    assert db.document(paths.oauth_lease(team, oauth_id)).get().to_dict()["holder"] == "live-instance"


def refresh_grant_at(db: firestore.Client, team: str, oauth_id: str) -> datetime | None:
    value = db.document(f"teams/{team}/oauthTokens/{oauth_id}").get().to_dict()["lastRefreshGrantAt"]
    assert value is None or isinstance(value, datetime)
    return value


def test_forced_refreshes_that_begin_after_the_first_completed_take_its_token(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    """What the functions emulator does to twenty requests sent at once: it starts them seconds apart,
    so half of them begin after the first refresh completed. They all get its token."""
    oauth_id = connect(team, browser)
    oauth_server.token_delay_seconds = 0.3
    results: list[str] = []
    early = threading.Barrier(10)

    def refresh_now() -> None:
        results.append(tokens.refresh(team, oauth_id, force=True).access_token)

    def early_caller() -> None:
        early.wait()
        refresh_now()

    first_wave = [threading.Thread(target=early_caller) for _ in range(10)]
    for thread in first_wave:
        thread.start()
    for thread in first_wave:
        thread.join()
    granted_at = refresh_grant_at(db, team, oauth_id)
    assert granted_at is not None
    late = threading.Barrier(10)

    def late_caller() -> None:
        late.wait()
        refresh_now()

    # Every one of these begins after the grant above was recorded.
    second_wave = [threading.Thread(target=late_caller) for _ in range(10)]
    for thread in second_wave:
        thread.start()
    for thread in second_wave:
        thread.join()

    assert oauth_server.refresh_grants() == 1
    assert results == [oauth_server.issued_access_tokens[-1]] * 20
    assert refresh_grant_at(db, team, oauth_id) == granted_at


def test_a_forced_refresh_after_the_window_calls_the_provider_again(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    oauth_id = connect(team, browser)
    first = tokens.refresh(team, oauth_id, force=True)
    assert oauth_server.refresh_grants() == 1
    window = tokens.FORCED_REFRESH_WINDOW
    ref = db.document(f"teams/{team}/oauthTokens/{oauth_id}")
    # The first grant completed just inside the window, then just outside it.
    ref.update({"lastRefreshGrantAt": datetime.now(UTC) - window + timedelta(seconds=5)})

    assert tokens.refresh(team, oauth_id, force=True) == first
    assert oauth_server.refresh_grants() == 1

    ref.update({"lastRefreshGrantAt": datetime.now(UTC) - window - timedelta(seconds=1)})
    second = tokens.refresh(team, oauth_id, force=True)

    assert oauth_server.refresh_grants() == 2
    assert second.access_token == oauth_server.issued_access_tokens[-1] != first.access_token


def test_only_a_grant_at_the_provider_answers_a_forced_refresh(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    """A connection just made by the code exchange, or a token just stored from elsewhere, is not a
    refresh: "refresh at the provider now" right after either calls the provider."""
    oauth_id = connect(team, browser)
    assert refresh_grant_at(db, team, oauth_id) is None
    tokens.refresh(team, oauth_id, force=True)
    assert oauth_server.refresh_grants() == 1

    stored = call(
        oauth_tokens_refresh,
        {"teamId": team, "oauthId": oauth_id, "newToken": "from-elsewhere-123456"},
        uid="admin",
    )
    assert stored.status == 200, stored.body
    assert refresh_grant_at(db, team, oauth_id) is None
    refreshed = call(oauth_tokens_refresh, {"teamId": team, "oauthId": oauth_id}, uid="admin")

    assert refreshed.status == 200, refreshed.body
    assert oauth_server.refresh_grants() == 2
    assert tokens.access_token_for(team, oauth_id) == oauth_server.issued_access_tokens[-1]


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
