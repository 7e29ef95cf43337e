"""The OAuth flow completes only in the browser that started it (finding 7: login CSRF, RFC 9700 4.7).

An attacker who starts a flow in their own team and gets a victim to consent must not end up holding the
victim's tokens. Each browser is a `requests.Session` against `oauth_authorize` and `oauth_callback`
served over loopback, so the cookie travels (or does not) exactly as a browser would carry it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import requests
from google.cloud import firestore

from functions import oauth_start
from shared.oauth.flow import MAX_BROWSER_BINDINGS
from shared.settings import reset_settings
from tests.integration.conftest import all_documents
from tests.integration.test_oauth import CONSOLE, RETURN_URL, authorize, start_flow
from tests.support.callables import call
from tests.support.oauth_browser import FunctionsServer, consent, open_callback, open_launch
from tests.support.oauth_server import OAuthServer


def connections(db: firestore.Client, team: str) -> list[str]:
    """What a completed flow writes: connection metadata and sealed tokens."""
    written = (f"teams/{team}/oauthTokens/", f"secrets/{team}/oauthTokens/")
    return [path for path in all_documents(db) if path.startswith(written)]


def state_documents(db: firestore.Client) -> dict[str, dict[str, object]]:
    return {path: body for path, body in all_documents(db).items() if path.startswith("oauthStates/")}


def set_cookie_header(response: requests.Response) -> str:
    headers = response.raw.headers.getlist("Set-Cookie")
    assert len(headers) == 1, headers
    value: str = headers[0]
    return value


# ------------------------------------------------------------------ the attack


def test_a_victim_who_consents_in_another_browser_connects_nothing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    # Given an attacker who starts a flow in their team, opens it, and sends the provider's URL on,
    launched = open_launch(browser, start_flow(team), CONSOLE)
    assert launched.status_code == 302, launched.text
    provider_url = launched.headers["Location"]
    with requests.Session() as victim:
        # when the victim consents in their own browser and the provider sends them to the callback,
        victims_callback = consent(victim, provider_url)
        refused = open_callback(victim, victims_callback)

    # then the victim gets an error page, nothing is connected and the code is never exchanged;
    assert (refused.status, refused.location) == (400, None)
    assert "started in another browser" in refused.page
    assert connections(db, team) == []
    assert oauth_server.token_requests == []
    # the state is used up, so the victim's callback URL replayed in the attacker's browser (which
    # holds the binding) completes nothing either.
    assert state_documents(db) == {}
    replayed = open_callback(browser, victims_callback)
    assert (replayed.status, replayed.location) == (400, None)
    assert "unknown or was already used" in replayed.page
    assert connections(db, team) == []
    assert oauth_server.token_requests == []


def test_a_launch_link_sent_to_someone_else_does_not_open(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    """The attacker sends the launch URL itself: opened from mail or chat (no Referer) or from the
    attacker's page, it is refused and changes nothing; the console that made it can still open it."""
    launch_url = start_flow(team)
    before = all_documents(db)
    with requests.Session() as victim:
        for opened_from in (None, "https://evil.example/", "http://localhost:3001/", "null"):
            refused = open_launch(victim, launch_url, opened_from)

            assert (refused.status_code, refused.headers.get("Location")) == (403, None), opened_from
            assert "If someone sent it to you, do not use it." in refused.text
            assert "Set-Cookie" not in refused.headers
        # An Origin header (sent on a POST, never on a plain navigation) naming another site: refused.
        with_origin = victim.get(
            launch_url, headers={"Origin": "https://evil.example", "Referer": CONSOLE}, timeout=10
        )
        assert with_origin.status_code == 403
        assert not victim.cookies
    assert all_documents(db) == before

    assert open_launch(browser, launch_url, CONSOLE).status_code == 302


# ------------------------------------------------------------------ the cookie


def test_the_cookie_is_http_only_lax_on_every_path_and_holds_only_what_the_state_hashes(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    launched = open_launch(browser, start_flow(team), CONSOLE)
    assert launched.status_code == 302, launched.text

    header = set_cookie_header(launched)
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert header.startswith("__session=")
    assert {"httponly", "path", "max-age", "samesite"} <= attributes
    assert "samesite=lax" in header.lower()
    assert "path=/;" in header.lower() + ";"
    assert "max-age=600" in header.lower()
    assert "secure" not in attributes  # the callback is http://127.0.0.1 here: no Secure
    binding = browser.cookies["__session"]
    # The state stores a hash of the cookie's value, never the value.
    [state] = state_documents(db).values()
    assert state["browserBindingHash"] == hashlib.sha256(binding.encode()).hexdigest()
    assert binding not in str(all_documents(db))
    assert binding not in launched.text


def test_a_wrong_cookie_is_refused_and_stores_nothing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    callback_url = authorize(team, browser)
    forged = secrets.token_urlsafe(32)
    with requests.Session() as other:
        # A cookie of the right form, but not this flow's (the callback's origin, any path).
        other.cookies.set("__session", forged, domain="127.0.0.1", path="/")
        refused = open_callback(other, callback_url)

    assert (refused.status, refused.location) == (400, None)
    assert "started in another browser" in refused.page
    assert connections(db, team) == []
    assert oauth_server.token_requests == []
    # A refusal leaves the refused browser's cookie as it was: it may bind other flows of its own.
    assert refused.set_cookie is None


def test_the_binding_of_another_flow_does_not_complete_this_one(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    callback_url = authorize(team, browser)
    with requests.Session() as other:
        open_launch(other, start_flow(team), CONSOLE)  # the other browser's own flow, and binding
        assert "__session" in other.cookies
        refused = open_callback(other, callback_url)

    assert refused.status == 400
    assert connections(db, team) == []


# ------------------------------------------------------------------ the launch


def test_a_replayed_launch_is_refused_and_changes_nothing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    launch_url = start_flow(team)
    assert open_launch(browser, launch_url, CONSOLE).status_code == 302
    cookie = browser.cookies["__session"]
    before = all_documents(db)

    again = open_launch(browser, launch_url, CONSOLE)

    assert (again.status_code, again.headers.get("Location")) == (409, None)
    assert "already used" in again.text
    assert "Set-Cookie" not in again.headers
    assert browser.cookies["__session"] == cookie
    assert all_documents(db) == before


def test_a_launch_opened_after_10_minutes_is_refused_and_changes_nothing(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    launch_url = start_flow(team)
    for state_doc in db.collection("oauthStates").stream():
        state_doc.reference.update({"expiresAt": datetime.now(UTC) - timedelta(seconds=1)})
    before = all_documents(db)

    expired = open_launch(browser, launch_url, CONSOLE)

    assert (expired.status_code, expired.headers.get("Location")) == (410, None)
    assert "expired" in expired.text
    assert not browser.cookies
    assert all_documents(db) == before


# ------------------------------------------------------------------ several flows in one browser


def test_several_flows_in_one_browser_each_complete_in_any_order(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    first = authorize(team, browser)
    second = authorize(team, browser)
    assert len(browser.cookies["__session"].split(".")) == 2

    completed_second = open_callback(browser, second)
    assert completed_second.back["status"] == ["connected"]
    assert len(browser.cookies["__session"].split(".")) == 1
    completed_first = open_callback(browser, first)

    assert completed_first.back["status"] == ["connected"]
    assert "__session" not in browser.cookies


def test_a_browser_keeps_the_bindings_of_its_latest_flows_only(
    db: firestore.Client, team: str, oauth_server: OAuthServer, provider: str, browser: requests.Session
) -> None:
    callbacks = [authorize(team, browser) for _ in range(MAX_BROWSER_BINDINGS + 1)]
    assert len(browser.cookies["__session"].split(".")) == MAX_BROWSER_BINDINGS

    oldest = open_callback(browser, callbacks[0])
    latest = open_callback(browser, callbacks[-1])

    assert oldest.status == 400
    assert "started in another browser" in oldest.page
    assert latest.back["status"] == ["connected"]
    assert open_callback(browser, callbacks[1]).back["status"] == ["connected"]


# ------------------------------------------------------------------ where the launch is


def test_the_launch_may_live_elsewhere_on_the_callbacks_origin_but_not_on_another(
    db: firestore.Client,
    team: str,
    functions_server: FunctionsServer,
    oauth_server: OAuthServer,
    provider: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OAUTH_AUTHORIZE_URL", f"{functions_server.origin}/connect/start")
    reset_settings()
    assert start_flow(team).startswith(f"{functions_server.origin}/connect/start?launch=")

    # On another origin, the launch's cookie would never reach the callback: no flow begins.
    monkeypatch.setenv("OAUTH_AUTHORIZE_URL", "https://elsewhere.example/oauth_authorize")
    reset_settings()
    before = all_documents(db)
    answer = call(
        oauth_start,
        {"teamId": team, "provider": "custom", "customProviderId": "acme", "returnUrl": RETURN_URL},
        uid="admin",
    )

    assert answer.error["status"] == "FAILED_PRECONDITION"
    assert "OAUTH_AUTHORIZE_URL" in answer.error["message"]
    assert all_documents(db) == before
