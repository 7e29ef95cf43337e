"""OAuth callables, the launch and the callback: bad input gets invalid-argument naming the field (an
error page at the launch and the callback), callers without the role get permission-denied, and nothing
is written in any of these cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from google.cloud import firestore

from functions import (
    oauth_authorize,
    oauth_callback,
    oauth_providers_list,
    oauth_providers_set,
    oauth_start,
    oauth_tokens_get,
    oauth_tokens_refresh,
    oauth_tokens_revoke,
    oauth_tokens_store,
)
from shared.settings import reset_settings
from tests.integration.conftest import all_documents
from tests.support.callables import call

ALL_CALLABLES = [
    oauth_start,
    oauth_providers_set,
    oauth_providers_list,
    oauth_tokens_store,
    oauth_tokens_get,
    oauth_tokens_refresh,
    oauth_tokens_revoke,
]
ADMIN_CALLABLES = [
    oauth_start,
    oauth_providers_set,
    oauth_tokens_store,
    oauth_tokens_refresh,
    oauth_tokens_revoke,
]
MEMBER_CALLABLES = [oauth_providers_list, oauth_tokens_get]

RETURN_ORIGIN = "https://app.example.com"
RETURN_URL = f"{RETURN_ORIGIN}/settings/integrations?tab=oauth"
# The custom provider every case refers to. It has no revocation endpoint, so revoking a connection to
# it tells no one, and nothing in this file sends a request anywhere.
ACME = {
    "providerId": "acme",
    "name": "Acme CRM",
    "authorizationUrl": "https://auth.acme.example/authorize",
    "tokenUrl": "https://auth.acme.example/token",
    "scopes": ["contacts"],
    "clientId": "acme-client-id",
    "clientSecret": "acme-client-secret-value",
}
USER = "user-42"
CONNECTION = f"custom-acme_{USER}"


@pytest.fixture(autouse=True)
def _production_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Private networks off (plain http refused, loopback included); one allowed return origin."""
    monkeypatch.delenv("ALLOW_PRIVATE_NETWORKS", raising=False)
    monkeypatch.delenv("OAUTH_PROVIDER_ENDPOINTS", raising=False)
    monkeypatch.setenv("OAUTH_RETURN_ORIGINS", RETURN_ORIGIN)
    reset_settings()


@pytest.fixture
def existing(team: str) -> str:
    """The custom provider "acme" and a connection to it for `user-42`: every case has a target."""
    provider = call(oauth_providers_set, {"teamId": team, **ACME}, uid="admin")
    assert provider.status == 200, provider.body
    stored = call(
        oauth_tokens_store,
        {
            "teamId": team,
            "provider": "custom",
            "customProviderId": "acme",
            "userId": USER,
            "accessToken": "existing-access-token-value",
            "refreshToken": "existing-refresh-token-value",
        },
        uid="owner",
    )
    assert stored.status == 200, stored.body
    assert stored.result["id"] == CONNECTION
    return CONNECTION


def without_ellipsis(data: dict[str, Any]) -> dict[str, Any]:
    """`...` marks a field the case leaves out."""
    return {key: value for key, value in data.items() if value is not ...}


def good_input(function: Callable[..., Any], team: str) -> dict[str, Any]:
    """An input each function accepts; every case changes one thing in it."""
    custom = {"provider": "custom", "customProviderId": "acme"}
    if function is oauth_start:
        return {"teamId": team, **custom, "returnUrl": RETURN_URL}
    if function is oauth_providers_set:
        return {"teamId": team, **ACME}
    if function is oauth_providers_list:
        return {"teamId": team}
    if function is oauth_tokens_store:
        # The caller's own connection (the owner's): never over another user's live one.
        return {"teamId": team, **custom, "userId": "owner", "accessToken": "another-access-token-value"}
    if function is oauth_tokens_get:
        return {"teamId": team, **custom, "userId": USER}
    if function is oauth_tokens_refresh:
        return {"teamId": team, "oauthId": CONNECTION, "newToken": "refreshed-elsewhere-value"}
    assert function is oauth_tokens_revoke
    return {"teamId": team, "oauthId": CONNECTION}


LATER = "2027-06-01T12:00:00Z"

FIELD_CASES: list[tuple[str, Callable[..., Any], dict[str, Any], str]] = [
    # oauth_start
    ("start: missing teamId", oauth_start, {"teamId": ...}, "teamId"),
    ("start: teamId not a string", oauth_start, {"teamId": 42}, "teamId"),
    ("start: teamId with a slash", oauth_start, {"teamId": "team-a/x"}, "teamId"),
    ("start: missing provider", oauth_start, {"provider": ...}, "provider"),
    ("start: provider myspace", oauth_start, {"provider": "myspace"}, "provider"),
    ("start: provider in capitals", oauth_start, {"provider": "Custom"}, "provider"),
    ("start: provider not a string", oauth_start, {"provider": 1}, "provider"),
    ("start: custom without customProviderId", oauth_start, {"customProviderId": ...}, "data"),
    ("start: google with customProviderId", oauth_start, {"provider": "google"}, "data"),
    ("start: customProviderId Bad_Slug", oauth_start, {"customProviderId": "Bad_Slug"}, "customProviderId"),
    ("start: customProviderId not a string", oauth_start, {"customProviderId": 7}, "customProviderId"),
    ("start: missing returnUrl", oauth_start, {"returnUrl": ...}, "returnUrl"),
    ("start: returnUrl not allowed", oauth_start, {"returnUrl": "https://evil.example/steal"}, "returnUrl"),
    (
        "start: returnUrl over http on the allowed host",
        oauth_start,
        {"returnUrl": "http://app.example.com/settings"},
        "returnUrl",
    ),
    (
        "start: returnUrl to loopback with private networks off",
        oauth_start,
        {"returnUrl": "http://localhost:3000/settings"},
        "returnUrl",
    ),
    (
        "start: returnUrl on a look-alike host",
        oauth_start,
        {"returnUrl": "https://app.example.com.evil.example/settings"},
        "returnUrl",
    ),
    ("start: returnUrl javascript:", oauth_start, {"returnUrl": "javascript:alert(1)"}, "returnUrl"),
    (
        "start: returnUrl of 3,000 characters",
        oauth_start,
        {"returnUrl": RETURN_URL + "x" * 3000},
        "returnUrl",
    ),
    ("start: returnUrl not a string", oauth_start, {"returnUrl": [RETURN_URL]}, "returnUrl"),
    ("start: scopes a string", oauth_start, {"scopes": "contacts"}, "scopes"),
    ("start: a scope with a space", oauth_start, {"scopes": ["contacts read"]}, "scopes[0]"),
    ("start: a scope with a comma", oauth_start, {"scopes": ["contacts,read"]}, "scopes[0]"),
    ("start: the second scope empty", oauth_start, {"scopes": ["contacts", ""]}, "scopes[1]"),
    ("start: a scope not a string", oauth_start, {"scopes": [5]}, "scopes[0]"),
    ("start: 101 scopes", oauth_start, {"scopes": [f"s{i}" for i in range(101)]}, "scopes"),
    ("start: integrationId with a slash", oauth_start, {"integrationId": "a/b"}, "integrationId"),
    ("start: a state chosen by the caller", oauth_start, {"state": "mine"}, "state"),
    ("start: a redirectUri chosen by the caller", oauth_start, {"redirectUri": RETURN_URL}, "redirectUri"),
    ("start: snake_case field", oauth_start, {"return_url": RETURN_URL}, "return_url"),
    # oauth_providers_set
    ("set: missing teamId", oauth_providers_set, {"teamId": ...}, "teamId"),
    ("set: missing providerId", oauth_providers_set, {"providerId": ...}, "providerId"),
    ("set: providerId Bad_Slug", oauth_providers_set, {"providerId": "Bad_Slug"}, "providerId"),
    ("set: providerId of one character", oauth_providers_set, {"providerId": "a"}, "providerId"),
    ("set: providerId with a slash", oauth_providers_set, {"providerId": "acme/x"}, "providerId"),
    ("set: providerId not a string", oauth_providers_set, {"providerId": 3}, "providerId"),
    ("set: missing name", oauth_providers_set, {"name": ...}, "name"),
    ("set: blank name", oauth_providers_set, {"name": "   "}, "name"),
    ("set: 101-character name", oauth_providers_set, {"name": "n" * 101}, "name"),
    ("set: missing authorizationUrl", oauth_providers_set, {"authorizationUrl": ...}, "authorizationUrl"),
    (
        "set: authorizationUrl over http",
        oauth_providers_set,
        {"authorizationUrl": "http://auth.acme.example/authorize"},
        "authorizationUrl",
    ),
    ("set: missing tokenUrl", oauth_providers_set, {"tokenUrl": ...}, "tokenUrl"),
    ("set: tokenUrl ftp://x", oauth_providers_set, {"tokenUrl": "ftp://x"}, "tokenUrl"),
    (
        "set: tokenUrl over ftp",
        oauth_providers_set,
        {"tokenUrl": "ftp://auth.acme.example/token"},
        "tokenUrl",
    ),
    (
        "set: tokenUrl to loopback with private networks off",
        oauth_providers_set,
        {"tokenUrl": "http://127.0.0.1:9/token"},
        "tokenUrl",
    ),
    (
        "set: tokenUrl with credentials",
        oauth_providers_set,
        {"tokenUrl": "https://user:pass@auth.acme.example/token"},
        "tokenUrl",
    ),
    (
        "set: tokenUrl without a scheme",
        oauth_providers_set,
        {"tokenUrl": "auth.acme.example/token"},
        "tokenUrl",
    ),
    (
        "set: revocationUrl over http",
        oauth_providers_set,
        {"revocationUrl": "http://auth.acme.example/revoke"},
        "revocationUrl",
    ),
    ("set: scopeSeparator ;", oauth_providers_set, {"scopeSeparator": ";"}, "scopeSeparator"),
    ("set: a scope with a space", oauth_providers_set, {"scopes": ["a b"]}, "scopes[0]"),
    ("set: pkce as a string", oauth_providers_set, {"pkce": "yes"}, "pkce"),
    ("set: missing clientId", oauth_providers_set, {"clientId": ...}, "clientId"),
    ("set: empty clientSecret", oauth_providers_set, {"clientSecret": ""}, "clientSecret"),
    ("set: clientSecret not a string", oauth_providers_set, {"clientSecret": 12345}, "clientSecret"),
    (
        "set: a new provider without clientSecret",
        oauth_providers_set,
        {"providerId": "newco", "clientSecret": ...},
        "clientSecret",
    ),
    (
        "set: hasClientSecret chosen by the caller",
        oauth_providers_set,
        {"hasClientSecret": True},
        "hasClientSecret",
    ),
    ("set: unknown field", oauth_providers_set, {"revocationStyle": "slack"}, "revocationStyle"),
    # oauth_providers_list
    ("list: missing teamId", oauth_providers_list, {"teamId": ...}, "teamId"),
    ("list: teamId not a string", oauth_providers_list, {"teamId": None}, "teamId"),
    ("list: unknown field", oauth_providers_list, {"limit": 10}, "limit"),
    # oauth_tokens_store
    ("store: missing teamId", oauth_tokens_store, {"teamId": ...}, "teamId"),
    ("store: provider myspace", oauth_tokens_store, {"provider": "myspace"}, "provider"),
    ("store: custom without customProviderId", oauth_tokens_store, {"customProviderId": ...}, "data"),
    ("store: google with customProviderId", oauth_tokens_store, {"provider": "google"}, "data"),
    ("store: missing userId", oauth_tokens_store, {"userId": ...}, "userId"),
    ("store: userId with a slash", oauth_tokens_store, {"userId": "users/42"}, "userId"),
    ("store: userId ..", oauth_tokens_store, {"userId": "../x"}, "userId"),
    ("store: userId with a space", oauth_tokens_store, {"userId": "user 42"}, "userId"),
    ("store: 129-character userId", oauth_tokens_store, {"userId": "u" * 129}, "userId"),
    ("store: userId not a string", oauth_tokens_store, {"userId": 42}, "userId"),
    ("store: missing accessToken", oauth_tokens_store, {"accessToken": ...}, "accessToken"),
    ("store: empty accessToken", oauth_tokens_store, {"accessToken": ""}, "accessToken"),
    ("store: accessToken not a string", oauth_tokens_store, {"accessToken": 123456}, "accessToken"),
    ("store: 16,385-character accessToken", oauth_tokens_store, {"accessToken": "a" * 16385}, "accessToken"),
    ("store: refreshToken not a string", oauth_tokens_store, {"refreshToken": True}, "refreshToken"),
    ("store: expiresAt tomorrow", oauth_tokens_store, {"expiresAt": "tomorrow"}, "expiresAt"),
    ("store: expiresAt as epoch seconds", oauth_tokens_store, {"expiresAt": 1_900_000_000}, "expiresAt"),
    (
        "store: expiresAt without a timezone",
        oauth_tokens_store,
        {"expiresAt": "2027-06-01T12:00:00"},
        "expiresAt",
    ),
    ("store: a scope with a space", oauth_tokens_store, {"scopes": ["read write"]}, "scopes[0]"),
    ("store: account not an object", oauth_tokens_store, {"account": "acme"}, "account"),
    (
        "store: account of 21 fields",
        oauth_tokens_store,
        {"account": {f"k{i}": i for i in range(21)}},
        "account",
    ),
    ("store: a status chosen by the caller", oauth_tokens_store, {"status": "active"}, "status"),
    ("store: unknown field", oauth_tokens_store, {"tokenType": "Bearer"}, "tokenType"),
    # oauth_tokens_get
    ("get: missing teamId", oauth_tokens_get, {"teamId": ...}, "teamId"),
    ("get: provider myspace", oauth_tokens_get, {"provider": "myspace"}, "provider"),
    ("get: google with customProviderId", oauth_tokens_get, {"provider": "google"}, "data"),
    ("get: missing userId", oauth_tokens_get, {"userId": ...}, "userId"),
    ("get: userId with a slash", oauth_tokens_get, {"userId": "a/b"}, "userId"),
    ("get: unknown field", oauth_tokens_get, {"oauthId": CONNECTION}, "oauthId"),
    # oauth_tokens_refresh
    ("refresh: missing teamId", oauth_tokens_refresh, {"teamId": ...}, "teamId"),
    ("refresh: missing oauthId", oauth_tokens_refresh, {"oauthId": ...}, "oauthId"),
    ("refresh: oauthId with a slash", oauth_tokens_refresh, {"oauthId": "a/b"}, "oauthId"),
    ("refresh: oauthId not a string", oauth_tokens_refresh, {"oauthId": 1}, "oauthId"),
    ("refresh: empty newToken", oauth_tokens_refresh, {"newToken": ""}, "newToken"),
    ("refresh: newToken not a string", oauth_tokens_refresh, {"newToken": 99}, "newToken"),
    (
        "refresh: expiresAt without newToken",
        oauth_tokens_refresh,
        {"newToken": ..., "expiresAt": LATER},
        "data",
    ),
    (
        "refresh: newRefreshToken without newToken",
        oauth_tokens_refresh,
        {"newToken": ..., "newRefreshToken": "refresh-token-value"},
        "data",
    ),
    ("refresh: expiresAt soon", oauth_tokens_refresh, {"expiresAt": "soon"}, "expiresAt"),
    ("refresh: unknown field", oauth_tokens_refresh, {"force": True}, "force"),
    # oauth_tokens_revoke
    ("revoke: missing teamId", oauth_tokens_revoke, {"teamId": ...}, "teamId"),
    ("revoke: missing oauthId", oauth_tokens_revoke, {"oauthId": ...}, "oauthId"),
    ("revoke: oauthId with a slash", oauth_tokens_revoke, {"oauthId": "a/b"}, "oauthId"),
    ("revoke: unknown field", oauth_tokens_revoke, {"provider": "google"}, "provider"),
]


@pytest.mark.parametrize(
    ("case", "function", "changes", "field"), FIELD_CASES, ids=[c[0] for c in FIELD_CASES]
)
def test_each_callable_names_the_bad_field(
    db: firestore.Client,
    team: str,
    existing: str,
    case: str,
    function: Callable[..., Any],
    changes: dict[str, Any],
    field: str,
) -> None:
    data = without_ellipsis({**good_input(function, team), **changes})
    before = all_documents(db)

    answer = call(function, data, uid="owner")

    assert answer.status == 400, case
    assert answer.error["status"] == "INVALID_ARGUMENT", answer.body
    assert answer.error["details"]["field"] == field, answer.body
    assert all_documents(db) == before


@pytest.mark.parametrize("function", ALL_CALLABLES, ids=lambda f: f.__name__)
def test_the_good_input_of_these_cases_is_accepted(
    db: firestore.Client, team: str, existing: str, function: Callable[..., Any]
) -> None:
    """Each case changes one thing in an input that is valid, so it fails for its own reason."""
    answer = call(function, good_input(function, team), uid="owner")

    assert answer.status == 200, answer.body


@pytest.mark.parametrize("function", ALL_CALLABLES, ids=lambda f: f.__name__)
def test_every_callable_wants_a_team_id(
    db: firestore.Client, team: str, existing: str, function: Any
) -> None:
    data = {key: value for key, value in good_input(function, team).items() if key != "teamId"}
    before = all_documents(db)

    answer = call(function, data, uid="owner")

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == "teamId"
    assert all_documents(db) == before


@pytest.mark.parametrize("function", ALL_CALLABLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("team_id", [42, ["team-a"], {"id": "team-a"}, True], ids=repr)
def test_every_callable_wants_the_team_id_as_text(
    db: firestore.Client, team: str, existing: str, function: Any, team_id: Any
) -> None:
    before = all_documents(db)

    answer = call(function, {**good_input(function, team), "teamId": team_id}, uid="owner")

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == "teamId"
    assert all_documents(db) == before


@pytest.mark.parametrize("function", ALL_CALLABLES, ids=lambda f: f.__name__)
def test_every_callable_refuses_unknown_fields(
    db: firestore.Client, team: str, existing: str, function: Any
) -> None:
    before = all_documents(db)

    answer = call(function, {**good_input(function, team), "bogusField": "x"}, uid="owner")

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == "bogusField"
    assert all_documents(db) == before


@pytest.mark.parametrize("function", ALL_CALLABLES, ids=lambda f: f.__name__)
def test_an_unauthenticated_caller_learns_nothing_about_the_input(
    db: firestore.Client, team: str, existing: str, function: Any
) -> None:
    before = all_documents(db)

    for data in ({"bogus": True}, good_input(function, team)):
        answer = call(function, data)

        assert answer.status == 401
        assert answer.error["status"] == "UNAUTHENTICATED"
        assert "details" not in answer.error
    assert all_documents(db) == before


# ------------------------------------------------------------------ permissions


@pytest.mark.parametrize("uid", ["member", "stranger"])
@pytest.mark.parametrize("function", ADMIN_CALLABLES, ids=lambda f: f.__name__)
def test_admin_callables_refuse_members_and_strangers_and_write_nothing(
    db: firestore.Client, team: str, existing: str, function: Any, uid: str
) -> None:
    before = all_documents(db)

    answer = call(function, good_input(function, team), uid=uid)

    assert answer.status == 403, answer.body
    assert answer.error["status"] == "PERMISSION_DENIED"
    assert all_documents(db) == before


@pytest.mark.parametrize("function", ADMIN_CALLABLES, ids=lambda f: f.__name__)
def test_a_member_is_refused_before_the_input_is_judged_further(
    db: firestore.Client, team: str, existing: str, function: Any
) -> None:
    """A well-formed input aimed at something that does not exist: the role is checked first."""
    data = good_input(function, team)
    if "oauthId" in data:
        data["oauthId"] = "custom-acme_nobody"
    if "providerId" in data:
        data = {**data, "providerId": "newco", "clientSecret": ...}
    if function is oauth_start:
        data["returnUrl"] = "https://evil.example/steal"
    before = all_documents(db)

    answer = call(function, without_ellipsis(data), uid="member")

    assert answer.error["status"] == "PERMISSION_DENIED", answer.body
    assert all_documents(db) == before


@pytest.mark.parametrize("function", MEMBER_CALLABLES, ids=lambda f: f.__name__)
def test_member_callables_refuse_strangers(
    db: firestore.Client, team: str, existing: str, function: Any
) -> None:
    before = all_documents(db)

    answer = call(function, good_input(function, team), uid="stranger")

    assert answer.status == 403, answer.body
    assert answer.error["status"] == "PERMISSION_DENIED"
    assert "result" not in answer.body
    assert all_documents(db) == before


@pytest.mark.parametrize("function", MEMBER_CALLABLES, ids=lambda f: f.__name__)
def test_member_callables_serve_members(
    db: firestore.Client, team: str, existing: str, function: Any
) -> None:
    answer = call(function, good_input(function, team), uid="member")

    assert answer.status == 200, answer.body


@pytest.mark.parametrize("function", ALL_CALLABLES, ids=lambda f: f.__name__)
def test_a_team_that_does_not_exist_is_refused_like_one_the_caller_is_not_in(
    db: firestore.Client, team: str, existing: str, function: Any
) -> None:
    before = all_documents(db)

    answer = call(function, {**good_input(function, team), "teamId": "team-nowhere"}, uid="owner")

    assert answer.status == 403, answer.body
    assert answer.error["status"] == "PERMISSION_DENIED"
    assert all_documents(db) == before


# ------------------------------------------------------------------ the launch


def launch_request(query: str, method: str = "GET") -> tuple[int, str | None, str, str | None]:
    """Run oauth_authorize as the console opens it; (status, Location, body, Set-Cookie)."""
    from flask import Flask, request

    app = Flask("launch-bad-input-tests")
    headers = {"Referer": f"{RETURN_ORIGIN}/"}
    with app.test_request_context(f"/?{query}", method=method, headers=headers):
        response = oauth_authorize(request)
    return (
        response.status_code,
        response.headers.get("Location"),
        response.get_data(as_text=True),
        response.headers.get("Set-Cookie"),
    )


def launch_query(team: str) -> str:
    started = call(oauth_start, good_input(oauth_start, team), uid="admin")
    assert started.status == 200, started.body
    return urlsplit(started.result["authorizationUrl"]).query


@pytest.mark.parametrize(
    "query",
    [
        "",
        "launch=",
        "launch=short",
        urlencode({"launch": "x" * 129}),
        urlencode({"launch": "x" * 10_000}),
        urlencode({"launch": "has spaces and ! marks in it"}),
        urlencode({"launch": "é" * 43}),
        "state=a-state-is-not-a-launch-token",
    ],
    ids=[
        "nothing",
        "empty",
        "too short",
        "129 characters",
        "10,000 characters",
        "punctuation",
        "accents",
        "a state",
    ],
)
def test_the_launch_refuses_a_missing_or_malformed_token_and_writes_nothing(
    db: firestore.Client, team: str, existing: str, query: str
) -> None:
    before = all_documents(db)

    status, location, page, cookie = launch_request(query)

    assert (status, location, cookie) == (400, None, None)
    assert "no valid launch token" in page
    assert all_documents(db) == before


def test_the_launch_refuses_an_unknown_token_of_the_right_form_and_writes_nothing(
    db: firestore.Client, team: str, existing: str
) -> None:
    launch_query(team)  # a pending flow exists; this is not its token
    before = all_documents(db)

    status, location, page, cookie = launch_request(urlencode({"launch": "L" * 43}))

    assert (status, location, cookie) == (404, None, None)
    assert "unknown" in page
    assert all_documents(db) == before


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_the_launch_answers_only_get_and_leaves_the_flow_alone(
    db: firestore.Client, team: str, existing: str, method: str
) -> None:
    query = launch_query(team)
    before = all_documents(db)

    status, location, _, cookie = launch_request(query, method=method)

    assert (status, location, cookie) == (405, None, None)
    assert all_documents(db) == before
    assert launch_request(query)[0] == 302  # the flow can still be launched, once


# ------------------------------------------------------------------ the callback


def callback_request(query: str, method: str = "GET") -> tuple[int, str | None, str]:
    """Run oauth_callback on a request; (status, Location, body)."""
    from flask import Flask, request

    app = Flask("callback-bad-input-tests")
    with app.test_request_context(f"/?{query}", method=method):
        response = oauth_callback(request)
    return response.status_code, response.headers.get("Location"), response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "code=some-code",
        "state=&code=some-code",
        "error=access_denied",
        urlencode({"state": "s" * 600, "code": "some-code"}),
        urlencode({"state": "s" * 513, "code": "some-code"}),
    ],
    ids=["nothing", "no state", "empty state", "only an error", "600-character state", "513-character state"],
)
def test_the_callback_refuses_a_missing_or_oversized_state_and_writes_nothing(
    db: firestore.Client, team: str, existing: str, query: str
) -> None:
    before = all_documents(db)

    status, location, page = callback_request(query)

    assert (status, location) == (400, None)
    assert "no valid state" in page
    assert all_documents(db) == before


def test_the_callback_refuses_an_unknown_state_of_the_longest_length(
    db: firestore.Client, team: str, existing: str
) -> None:
    before = all_documents(db)

    status, location, page = callback_request(urlencode({"state": "s" * 512, "code": "some-code"}))

    assert (status, location) == (400, None)
    assert "unknown" in page
    assert all_documents(db) == before


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_the_callback_answers_only_get_and_leaves_a_pending_state_alone(
    db: firestore.Client, team: str, existing: str, method: str
) -> None:
    launched = launch_request(launch_query(team))
    assert launched[1] is not None
    state = parse_qs(urlsplit(launched[1]).query)["state"][0]
    before = all_documents(db)
    assert [path for path in before if path.startswith("oauthStates/")]

    status, location, _ = callback_request(urlencode({"state": state, "code": "some-code"}), method=method)

    assert (status, location) == (405, None)
    assert all_documents(db) == before
