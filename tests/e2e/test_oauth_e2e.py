"""OAuth through the emulator suite: the whole redirect chain over HTTP in a browser that keeps cookies
(start, the launch, the provider's consent, the emulator-served callback, back to the return URL), then
a refresh run as a Cloud Tasks task; a victim's browser refused at the callback; the refresh sweep paged
through the Cloud Tasks emulator (page tasks, then refresh tasks); twenty forced refreshes at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import firebase_admin
import pytest
import requests
from google.cloud import firestore

from shared import tasks
from shared.crypto import mask
from shared.oauth.scheduler import REFRESH_SWEEP
from tests.e2e.conftest import PROJECT_ID, Team, call_function
from tests.support.callables import Answer
from tests.support.http_servers import serving
from tests.support.oauth_server import CLIENT_ID, CLIENT_SECRET, OAuthServer, acme_provider

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def oauth_server() -> Iterator[OAuthServer]:
    server = OAuthServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_connect_then_refresh_through_a_task(
    team: Team, db: firestore.Client, oauth_server: OAuthServer
) -> None:
    provider = call_function(
        "oauth_providers_set",
        {
            "teamId": team.team_id,
            "providerId": "acme",
            "name": "Acme",
            "authorizationUrl": f"{oauth_server.url}/authorize",
            "tokenUrl": f"{oauth_server.url}/token",
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "scopes": ["contacts"],
        },
        token=team.owner_token,
    )
    assert provider.status == 200, provider.body

    with serving() as console, requests.Session() as browser:
        return_url = f"{console.url}/settings"
        started = call_function(
            "oauth_start",
            {
                "teamId": team.team_id,
                "provider": "custom",
                "customProviderId": "acme",
                "returnUrl": return_url,
            },
            token=team.owner_token,
        )
        assert started.status == 200, started.body
        # The browser's journey: the console opens the launch (its origin as Referer) -> the provider's
        # consent -> the emulator's oauth_callback, with the launch's cookie -> the console.
        launched = browser.get(
            started.result["authorizationUrl"],
            headers={"Referer": f"{console.url}/"},
            allow_redirects=False,
            timeout=60,
        )
        assert launched.status_code == 302, launched.text
        binding = browser.cookies["__session"]
        landed = browser.get(launched.headers["Location"], timeout=60)
        assert landed.status_code == 200
        back = parse_qs(urlsplit(console.received[-1].path).query)
        assert "__session" not in browser.cookies  # the callback used the binding up

    # The CLI's debug log has every request's URL (launch token, code and state included: emulator
    # only, see the README), never a request's headers: not the cookie.
    debug_log = ROOT / "firebase-debug.log"
    assert debug_log.exists()
    assert binding not in debug_log.read_text(errors="replace")
    assert back["status"] == ["connected"], back
    oauth_id = back["oauthId"][0]
    connection = db.document(f"teams/{team.team_id}/oauthTokens/{oauth_id}")
    assert connection.get().to_dict()["status"] == "active"
    assert oauth_server.token_requests[-1]["grant_type"] == "authorization_code"

    # Due soon: the sweep's task refreshes it, dispatched by the Cloud Tasks emulator.
    connection.update({"expiresAt": datetime.now(UTC) + timedelta(minutes=3)})
    if not firebase_admin._apps:
        firebase_admin.initialize_app(options={"projectId": PROJECT_ID})
    queued = tasks.enqueue(
        "taskRefreshToken",
        {"teamId": team.team_id, "oauthId": oauth_id},
        tasks.task_id("e2e", oauth_id),
    )
    assert queued

    deadline = time.monotonic() + 60
    while oauth_server.refresh_grants() == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert oauth_server.refresh_grants() == 1
    while connection.get().to_dict()["expiresAt"] < datetime.now(UTC) + timedelta(minutes=30):
        assert time.monotonic() < deadline
        time.sleep(0.5)


def test_a_victim_who_consents_in_another_browser_connects_nothing(
    team: Team, db: firestore.Client, oauth_server: OAuthServer
) -> None:
    """The login-CSRF attack through the emulator suite: the starter opens the launch, sends the
    provider's URL on; the victim consents in their own browser; the callback refuses it."""
    provider = call_function(
        "oauth_providers_set", acme_provider(oauth_server.url, team.team_id), team.owner_token
    )
    assert provider.status == 200, provider.body
    with serving() as console, requests.Session() as attacker, requests.Session() as victim:
        started = call_function(
            "oauth_start",
            {
                "teamId": team.team_id,
                "provider": "custom",
                "customProviderId": "acme",
                "returnUrl": f"{console.url}/settings",
            },
            token=team.owner_token,
        )
        assert started.status == 200, started.body
        launched = attacker.get(
            started.result["authorizationUrl"],
            headers={"Referer": f"{console.url}/"},
            allow_redirects=False,
            timeout=60,
        )
        assert launched.status_code == 302, launched.text

        refused = victim.get(launched.headers["Location"], timeout=60)

        assert refused.status_code == 400
        assert "started in another browser" in refused.text
        assert console.received == []
    assert list(db.collection(f"teams/{team.team_id}/oauthTokens").stream()) == []
    assert oauth_server.token_requests == []


def test_the_refresh_sweep_pages_through_the_tasks_emulator(team: Team, oauth_server: OAuthServer) -> None:
    provider = call_function(
        "oauth_providers_set", acme_provider(oauth_server.url, team.team_id), team.owner_token
    )
    assert provider.status == 200, provider.body
    refresh_tokens = set()
    for number in range(5):
        refresh_token = oauth_server.issue_refresh_token()
        refresh_tokens.add(refresh_token)
        stored = call_function(
            "oauth_tokens_store",
            {
                "teamId": team.team_id,
                "provider": "custom",
                "customProviderId": "acme",
                "userId": f"user-{number}",
                "accessToken": f"access-{number}",
                "refreshToken": refresh_token,
                "expiresAt": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
            },
            token=team.owner_token,
        )
        assert stored.status == 200, stored.body
    if not firebase_admin._apps:
        firebase_admin.initialize_app(options={"projectId": PROJECT_ID})

    # What job_refresh_tokens runs, in pages of 2: the Tasks emulator dispatches the page tasks to the
    # functions emulator, each queues the next page and its connections' refresh tasks.
    now = datetime.now(UTC)
    assert REFRESH_SWEEP.start(now, page_size=2) == 2
    assert REFRESH_SWEEP.start(now, page_size=2) == 0  # the same tick again: the emulator refuses the ids

    deadline = time.monotonic() + 90
    while oauth_server.refresh_grants() < 5 and time.monotonic() < deadline:
        time.sleep(0.5)
    used = [
        request["refresh_token"]
        for request in oauth_server.token_requests
        if request.get("grant_type") == "refresh_token"
    ]
    assert sorted(used) == sorted(refresh_tokens)


def dropped_by_the_emulator(answer: Answer) -> bool:
    """The functions emulator's own transport failure: it hands a request to a worker over a kept-alive
    connection the worker's gunicorn has just closed (Node keeps idle sockets 5 s, gunicorn 2 s),
    answers 500 with the socket error (`{"code": "ECONNRESET"}`, never the callable protocol's
    `{"error": ...}`), or resets the client's connection, and kills that worker. A client sends such a
    request again; the product's own answers are all asserted."""
    return answer.status == 500 and isinstance(answer.body, dict) and "error" not in answer.body


def test_twenty_concurrent_forced_refreshes_over_http_make_one_token_request(
    team: Team, oauth_server: OAuthServer
) -> None:
    """ "Refresh at the provider now", twenty times at once over HTTP: the functions emulator starts a
    process for each request, so they begin seconds apart, some after the first refresh completed;
    they all get that refresh's token, and the provider sees one refresh grant."""
    provider = call_function(
        "oauth_providers_set", acme_provider(oauth_server.url, team.team_id), team.owner_token
    )
    assert provider.status == 200, provider.body
    stored = call_function(
        "oauth_tokens_store",
        {
            "teamId": team.team_id,
            "provider": "custom",
            "customProviderId": "acme",
            "userId": "racer",
            "accessToken": "access-before-the-race",
            "refreshToken": oauth_server.issue_refresh_token(),
            "expiresAt": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
        token=team.owner_token,
    )
    assert stored.status == 200, stored.body
    oauth_id = stored.result["id"]
    oauth_server.token_delay_seconds = 0.3  # a slow provider widens the window for a race
    barrier = threading.Barrier(20)
    answers: list[Answer] = []
    dropped: list[object] = []

    def refresh_now() -> None:
        barrier.wait()
        for _attempt in range(3):
            try:
                # Twenty Python processes starting at once on a loaded 2-core machine: minutes, not seconds.
                answer = call_function(
                    "oauth_tokens_refresh",
                    {"teamId": team.team_id, "oauthId": oauth_id},
                    team.owner_token,
                    timeout=300,
                )
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
                dropped.append(repr(error))  # the emulator reset the connection itself
                continue
            if not dropped_by_the_emulator(answer):
                answers.append(answer)
                return
            dropped.append(answer.body)

    threads = [threading.Thread(target=refresh_now) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status for answer in answers] == [200] * 20, [answer.body for answer in answers]
    assert len(dropped) <= 5, dropped
    assert oauth_server.refresh_grants() == 1
    assert len(oauth_server.issued_access_tokens) == 1
    # Every caller got the one refreshed token (masked in the answer), none the token from before.
    assert {answer.result["accessToken"] for answer in answers} == {
        mask(oauth_server.issued_access_tokens[0])
    }
