"""Integrations and request logs: bad input gets invalid-argument naming the field, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from google.cloud import firestore

from functions import (
    integrations_create,
    integrations_delete,
    integrations_get,
    integrations_list,
    integrations_test,
    integrations_update,
    request_logs_create,
    request_logs_list,
)
from shared.settings import reset_settings
from tests.integration.conftest import all_documents
from tests.support.callables import call

ALL_CALLABLES = [
    integrations_create,
    integrations_get,
    integrations_list,
    integrations_update,
    integrations_delete,
    integrations_test,
    request_logs_create,
    request_logs_list,
]

ZAPIER_HOOK = "https://hooks.zapier.com/hooks/catch/1/2/"
REST_CONFIG = {"baseUrl": "https://api.example.com", "auth": {"type": "bearer", "token": "t0ken-value-1"}}


@pytest.fixture(autouse=True)
def _private_networks_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production setting: plain http is refused, loopback included (a test may turn it on after)."""
    monkeypatch.delenv("ALLOW_PRIVATE_NETWORKS", raising=False)
    reset_settings()


@pytest.fixture
def integration_id(team: str) -> str:
    """An existing REST integration with a bearer token: updates and log records have a target."""
    answer = call(
        integrations_create,
        {"teamId": team, "type": "rest", "name": "Existing", "config": REST_CONFIG},
        uid="admin",
    )
    created_id: str = answer.result["id"]
    return created_id


def without_ellipsis(data: dict[str, Any]) -> dict[str, Any]:
    """`...` marks a field the case leaves out."""
    return {key: value for key, value in data.items() if value is not ...}


def good_create(team: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "teamId": team,
        "type": "zapier",
        "name": "Under test",
        "config": {"hookUrl": ZAPIER_HOOK},
    }
    data.update(changes)
    return without_ellipsis(data)


def slack(config: dict[str, Any]) -> dict[str, Any]:
    return {"type": "slack", "config": config}


def zapier(config: dict[str, Any]) -> dict[str, Any]:
    return {"type": "zapier", "config": config}


def rest(config: dict[str, Any]) -> dict[str, Any]:
    return {"type": "rest", "config": {"baseUrl": "https://api.example.com", **config}}


def rest_auth(auth: dict[str, Any]) -> dict[str, Any]:
    return rest({"auth": auth})


def graphql(config: dict[str, Any]) -> dict[str, Any]:
    return {"type": "graphql", "config": config}


def webhook(config: dict[str, Any]) -> dict[str, Any]:
    return {"type": "webhook", "config": config}


SLACK_HOOK = "https://hooks.slack.com/services/T000/B000/XXXX"

CREATE_CASES = [
    ("missing teamId", {"teamId": ...}, "teamId"),
    ("teamId not a string", {"teamId": 42}, "teamId"),
    ("teamId with a slash", {"teamId": "a/b"}, "teamId"),
    ("missing type", {"type": ...}, "type"),
    ("unknown type", {"type": "fax"}, "type"),
    ("type in capitals", {"type": "Zapier"}, "type"),
    ("type not a string", {"type": 3}, "type"),
    ("missing name", {"name": ...}, "name"),
    ("empty name", {"name": ""}, "name"),
    ("blank name", {"name": "   "}, "name"),
    ("10,000-character name", {"name": "n" * 10_000}, "name"),
    ("name not a string", {"name": ["x"]}, "name"),
    ("2,001-character description", {"description": "d" * 2001}, "description"),
    ("description not a string", {"description": 5}, "description"),
    ("enabled not a boolean", {"enabled": "yes"}, "enabled"),
    ("missing config", {"config": ...}, "config"),
    ("config a string", {"config": ZAPIER_HOOK}, "config"),
    ("config a list", {"config": [ZAPIER_HOOK]}, "config"),
    ("config null", {"config": None}, "config"),
    ("unknown field", {"owner": "me"}, "owner"),
    ("snake_case field", {"team_id": "team-a"}, "team_id"),
    ("a status chosen by the caller", {"status": "active"}, "status"),
    ("a signing secret chosen by the caller", {"signingSecret": "whsec_mine"}, "signingSecret"),
    ("marketplaceId not in the catalogue", {"marketplaceId": "myspace"}, "marketplaceId"),
    ("marketplaceId of another type", {"marketplaceId": "hubspot"}, "marketplaceId"),
    ("marketplaceId not a string", {"marketplaceId": 7}, "marketplaceId"),
    ("empty marketplaceId", {"marketplaceId": ""}, "marketplaceId"),
    # Slack
    ("slack with neither webhookUrl nor oauthId", slack({}), "config.webhookUrl"),
    (
        "slack with both webhookUrl and oauthId",
        slack({"webhookUrl": SLACK_HOOK, "oauthId": "conn-1", "channel": "#general"}),
        "config.webhookUrl",
    ),
    ("slack oauthId without channel", slack({"oauthId": "conn-1"}), "config.channel"),
    (
        "slack webhookUrl over http",
        slack({"webhookUrl": SLACK_HOOK.replace("https", "http")}),
        "config.webhookUrl",
    ),
    (
        "slack webhookUrl with credentials",
        slack({"webhookUrl": "https://u:p@hooks.slack.com/services/T/B/X"}),
        "config.webhookUrl",
    ),
    ("slack webhookUrl not a string", slack({"webhookUrl": 7}), "config.webhookUrl"),
    ("slack channel without oauthId", slack({"channel": "#general"}), "config.webhookUrl"),
    ("slack unknown config field", slack({"webhookUrl": SLACK_HOOK, "icon": ":x:"}), "config.icon"),
    # Zapier
    ("zapier without hookUrl", zapier({}), "config.hookUrl"),
    ("zapier hookUrl over http", zapier({"hookUrl": ZAPIER_HOOK.replace("https", "http")}), "config.hookUrl"),
    (
        "zapier hookUrl to loopback over http",
        zapier({"hookUrl": "http://127.0.0.1:8080/hook"}),
        "config.hookUrl",
    ),
    (
        "zapier hookUrl to localhost over http",
        zapier({"hookUrl": "http://localhost:8080/hook"}),
        "config.hookUrl",
    ),
    ("zapier hookUrl over ftp", zapier({"hookUrl": "ftp://hooks.zapier.com/x"}), "config.hookUrl"),
    ("zapier hookUrl without a scheme", zapier({"hookUrl": "hooks.zapier.com/hooks/1"}), "config.hookUrl"),
    ("zapier hookUrl of 3,000 characters", zapier({"hookUrl": ZAPIER_HOOK + "x" * 3000}), "config.hookUrl"),
    ("zapier unknown config field", zapier({"hookUrl": ZAPIER_HOOK, "secret": "s"}), "config.secret"),
    # REST
    ("rest without baseUrl", {"type": "rest", "config": {}}, "config.baseUrl"),
    ("rest baseUrl over http", rest({"baseUrl": "http://api.example.com"}), "config.baseUrl"),
    ("rest bearer without token", rest_auth({"type": "bearer"}), "config.auth.token"),
    ("rest basic without password", rest_auth({"type": "basic", "username": "u"}), "config.auth.password"),
    ("rest basic without username", rest_auth({"type": "basic", "password": "p"}), "config.auth.username"),
    (
        "rest header auth without headerValue",
        rest_auth({"type": "header", "headerName": "X-Key"}),
        "config.auth.headerValue",
    ),
    ("rest auth none with a token", rest_auth({"type": "none", "token": "t0ken"}), "config.auth.token"),
    (
        "rest bearer with a password",
        rest_auth({"type": "bearer", "token": "t0ken", "password": "p"}),
        "config.auth.password",
    ),
    ("rest unknown auth type", rest_auth({"type": "digest"}), "config.auth.type"),
    ("rest token not a string", rest_auth({"type": "bearer", "token": 12345}), "config.auth.token"),
    ("rest empty token", rest_auth({"type": "bearer", "token": ""}), "config.auth.token"),
    (
        "rest unknown auth field",
        rest_auth({"type": "bearer", "token": "t", "scheme": "x"}),
        "config.auth.scheme",
    ),
    ("rest auth not an object", rest({"auth": "bearer"}), "config.auth"),
    (
        "rest healthCheck.expectStatus 700",
        rest({"healthCheck": {"expectStatus": 700}}),
        "config.healthCheck.expectStatus",
    ),
    (
        "rest healthCheck.expectStatus as a string",
        rest({"healthCheck": {"expectStatus": "200"}}),
        "config.healthCheck.expectStatus",
    ),
    (
        "rest healthCheck.method DELETE",
        rest({"healthCheck": {"method": "DELETE"}}),
        "config.healthCheck.method",
    ),
    (
        "rest healthCheck.path without a slash",
        rest({"healthCheck": {"path": "health"}}),
        "config.healthCheck.path",
    ),
    ("rest header value not a string", rest({"headers": {"X-A": 5}}), "config.headers.X-A"),
    ("rest header name with a space", rest({"headers": {"Bad Name": "v"}}), "config.headers.Bad Name"),
    ("rest unknown config field", rest({"timeout": 5}), "config.timeout"),
    # GraphQL
    ("graphql without endpoint", graphql({}), "config.endpoint"),
    (
        "graphql endpoint over http",
        graphql({"endpoint": "http://api.example.com/graphql"}),
        "config.endpoint",
    ),
    (
        "graphql basic without password",
        graphql({"endpoint": "https://api.example.com/graphql", "auth": {"type": "basic", "username": "u"}}),
        "config.auth.password",
    ),
    (
        "graphql unknown config field",
        graphql({"endpoint": "https://api.example.com/graphql", "query": "{ x }"}),
        "config.query",
    ),
    # Webhook
    ("webhook with no events", webhook({"url": "https://example.com/hook", "events": []}), "config.events"),
    ("webhook without events", webhook({"url": "https://example.com/hook"}), "config.events"),
    (
        "webhook events not a list",
        webhook({"url": "https://example.com/hook", "events": "ticket.created"}),
        "config.events",
    ),
    (
        "webhook event 'Ticket Created'",
        webhook({"url": "https://example.com/hook", "events": ["Ticket Created"]}),
        "config.events[0]",
    ),
    (
        "webhook second event invalid",
        webhook({"url": "https://example.com/hook", "events": ["ticket.created", "ticket"]}),
        "config.events[1]",
    ),
    ("webhook url over http", webhook({"url": "http://example.com/hook", "events": ["*"]}), "config.url"),
    (
        "webhook unknown config field",
        webhook({"url": "https://example.com/hook", "events": ["*"], "secret": "mine"}),
        "config.secret",
    ),
]


@pytest.mark.parametrize(("case", "changes", "field"), CREATE_CASES, ids=[c[0] for c in CREATE_CASES])
def test_create_refuses_bad_input_and_writes_nothing(
    db: firestore.Client, team: str, case: str, changes: dict[str, Any], field: str
) -> None:
    before = all_documents(db)

    answer = call(integrations_create, good_create(team, **changes), uid="admin")

    assert answer.status == 400, case
    assert answer.error["status"] == "INVALID_ARGUMENT", answer.body
    assert answer.error["details"]["field"] == field, answer.body
    assert all_documents(db) == before


def test_plain_http_is_refused_off_loopback_even_with_private_networks_on(
    db: firestore.Client, team: str, private_networks: None
) -> None:
    before = all_documents(db)

    refused = call(
        integrations_create, good_create(team, **zapier({"hookUrl": "http://example.com/h"})), uid="admin"
    )

    assert refused.error["status"] == "INVALID_ARGUMENT"
    assert refused.error["details"]["field"] == "config.hookUrl"
    assert all_documents(db) == before
    accepted = call(
        integrations_create, good_create(team, **zapier({"hookUrl": "http://127.0.0.1:9/hook"})), uid="admin"
    )
    assert accepted.status == 200, accepted.body


# (function, changes over the function's good input, field). The good inputs are built in `good_input`.
FIELD_CASES: list[tuple[str, Callable[..., Any], dict[str, Any], str]] = [
    # integrations_get
    ("get: missing teamId", integrations_get, {"teamId": ...}, "teamId"),
    ("get: teamId not a string", integrations_get, {"teamId": ["team-a"]}, "teamId"),
    ("get: missing integrationId", integrations_get, {"integrationId": ...}, "integrationId"),
    ("get: integrationId with a slash", integrations_get, {"integrationId": "a/b"}, "integrationId"),
    ("get: integrationId not a string", integrations_get, {"integrationId": 5}, "integrationId"),
    ("get: unknown field", integrations_get, {"type": "rest"}, "type"),
    # integrations_list
    ("list: missing teamId", integrations_list, {"teamId": ...}, "teamId"),
    ("list: limit 0", integrations_list, {"limit": 0}, "limit"),
    ("list: limit 101", integrations_list, {"limit": 101}, "limit"),
    ("list: limit as a string", integrations_list, {"limit": "10"}, "limit"),
    ("list: unknown type", integrations_list, {"type": "fax"}, "type"),
    ("list: empty cursor", integrations_list, {"cursor": ""}, "cursor"),
    ("list: oversized cursor", integrations_list, {"cursor": "c" * 513}, "cursor"),
    ("list: forged cursor", integrations_list, {"cursor": "not-a-cursor"}, "cursor"),
    ("list: unknown field", integrations_list, {"since": "2027-01-01T00:00:00Z"}, "since"),
    # integrations_update
    ("update: missing teamId", integrations_update, {"teamId": ..., "name": "x"}, "teamId"),
    (
        "update: missing integrationId",
        integrations_update,
        {"integrationId": ..., "name": "x"},
        "integrationId",
    ),
    ("update: no change", integrations_update, {}, "data"),
    ("update: name null", integrations_update, {"name": None}, "name"),
    ("update: empty name", integrations_update, {"name": ""}, "name"),
    ("update: 10,000-character name", integrations_update, {"name": "n" * 10_000}, "name"),
    ("update: enabled null", integrations_update, {"enabled": None}, "enabled"),
    ("update: enabled not a boolean", integrations_update, {"enabled": "no"}, "enabled"),
    ("update: config null", integrations_update, {"config": None}, "config"),
    ("update: config not an object", integrations_update, {"config": "x"}, "config"),
    ("update: changing the type", integrations_update, {"type": "zapier"}, "type"),
    ("update: unknown field", integrations_update, {"createdBy": "me"}, "createdBy"),
    ("update: baseUrl ftp://x", integrations_update, {"config": {"baseUrl": "ftp://x"}}, "config.baseUrl"),
    (
        "update: baseUrl over ftp",
        integrations_update,
        {"config": {"baseUrl": "ftp://api.example.com"}},
        "config.baseUrl",
    ),
    (
        "update: baseUrl over http",
        integrations_update,
        {"config": {"baseUrl": "http://api.example.com"}},
        "config.baseUrl",
    ),
    ("update: baseUrl removed", integrations_update, {"config": {"baseUrl": None}}, "config.baseUrl"),
    (
        "update: auth switched to basic without its fields",
        integrations_update,
        {"config": {"auth": {"type": "basic"}}},
        "config.auth.password",
    ),
    (
        "update: token removed from bearer auth",
        integrations_update,
        {"config": {"auth": {"token": None}}},
        "config.auth.token",
    ),
    (
        "update: healthCheck.expectStatus 700",
        integrations_update,
        {"config": {"healthCheck": {"expectStatus": 700}}},
        "config.healthCheck.expectStatus",
    ),
    ("update: unknown config field", integrations_update, {"config": {"timeout": 5}}, "config.timeout"),
    # integrations_delete
    ("delete: missing teamId", integrations_delete, {"teamId": ...}, "teamId"),
    ("delete: missing integrationId", integrations_delete, {"integrationId": ...}, "integrationId"),
    ("delete: integrationId with a slash", integrations_delete, {"integrationId": "x/y"}, "integrationId"),
    ("delete: unknown field", integrations_delete, {"force": True}, "force"),
    # integrations_test
    ("test: missing teamId", integrations_test, {"teamId": ...}, "teamId"),
    ("test: integrationId not a string", integrations_test, {"integrationId": 5}, "integrationId"),
    ("test: unknown field", integrations_test, {"url": "https://example.com"}, "url"),
    # request_logs_create
    ("log: missing teamId", request_logs_create, {"teamId": ...}, "teamId"),
    ("log: missing integrationId", request_logs_create, {"integrationId": ...}, "integrationId"),
    ("log: missing method", request_logs_create, {"method": ...}, "method"),
    ("log: method FETCH", request_logs_create, {"method": "FETCH"}, "method"),
    ("log: method in lower case", request_logs_create, {"method": "post"}, "method"),
    ("log: missing endpoint", request_logs_create, {"endpoint": ...}, "endpoint"),
    ("log: empty endpoint", request_logs_create, {"endpoint": ""}, "endpoint"),
    (
        "log: 3,000-character endpoint",
        request_logs_create,
        {"endpoint": "https://a.example/" + "x" * 3000},
        "endpoint",
    ),
    ("log: duration -1", request_logs_create, {"duration": -1}, "duration"),
    ("log: duration over an hour", request_logs_create, {"duration": 3_600_001}, "duration"),
    ("log: duration as a string", request_logs_create, {"duration": "12"}, "duration"),
    ("log: missing duration", request_logs_create, {"duration": ...}, "duration"),
    ("log: statusCode 1000", request_logs_create, {"statusCode": 1000}, "statusCode"),
    ("log: statusCode -1", request_logs_create, {"statusCode": -1}, "statusCode"),
    ("log: statusCode as a string", request_logs_create, {"statusCode": "200"}, "statusCode"),
    ("log: missing success", request_logs_create, {"success": ...}, "success"),
    ("log: success as a string", request_logs_create, {"success": "true"}, "success"),
    ("log: 2,001-character error", request_logs_create, {"error": "e" * 2001}, "error"),
    ("log: a userId chosen by the caller", request_logs_create, {"userId": "someone"}, "userId"),
    (
        "log: a timestamp chosen by the caller",
        request_logs_create,
        {"timestamp": "2027-01-01T00:00:00Z"},
        "timestamp",
    ),
    # request_logs_list
    ("logs: missing teamId", request_logs_list, {"teamId": ...}, "teamId"),
    ("logs: missing integrationId", request_logs_list, {"integrationId": ...}, "integrationId"),
    ("logs: limit 0", request_logs_list, {"limit": 0}, "limit"),
    ("logs: limit 501", request_logs_list, {"limit": 501}, "limit"),
    ("logs: limit as a string", request_logs_list, {"limit": "10"}, "limit"),
    ("logs: since yesterday", request_logs_list, {"since": "yesterday"}, "since"),
    ("logs: since without a timezone", request_logs_list, {"since": "2027-01-01T00:00:00"}, "since"),
    ("logs: since as epoch seconds", request_logs_list, {"since": 1_700_000_000}, "since"),
    ("logs: success yes", request_logs_list, {"success": "yes"}, "success"),
    ("logs: forged cursor", request_logs_list, {"cursor": "not-a-cursor"}, "cursor"),
    ("logs: cursor of valid base64 but no position", request_logs_list, {"cursor": "e30"}, "cursor"),
    ("logs: oversized cursor", request_logs_list, {"cursor": "c" * 513}, "cursor"),
    ("logs: unknown field", request_logs_list, {"until": "2027-01-01T00:00:00Z"}, "until"),
]


def good_input(function: Callable[..., Any], team: str, integration_id: str) -> dict[str, Any]:
    ref = {"teamId": team, "integrationId": integration_id}
    if function is integrations_create:
        return good_create(team)
    if function is integrations_list:
        return {"teamId": team}
    if function is request_logs_create:
        return {
            **ref,
            "method": "POST",
            "endpoint": "https://api.example.com/v1/items",
            "statusCode": 201,
            "duration": 12.5,
            "success": True,
        }
    return ref


@pytest.mark.parametrize(
    ("case", "function", "changes", "field"), FIELD_CASES, ids=[c[0] for c in FIELD_CASES]
)
def test_each_callable_names_the_bad_field(
    db: firestore.Client,
    team: str,
    integration_id: str,
    case: str,
    function: Callable[..., Any],
    changes: dict[str, Any],
    field: str,
) -> None:
    data = without_ellipsis({**good_input(function, team, integration_id), **changes})
    before = all_documents(db)

    answer = call(function, data, uid="owner")

    assert answer.status == 400, case
    assert answer.error["status"] == "INVALID_ARGUMENT", answer.body
    assert answer.error["details"]["field"] == field, answer.body
    assert all_documents(db) == before


# integrations_test is left out: its good input would send a request to api.example.com. It takes
# the same IntegrationRef as integrations_get, which is checked here.
@pytest.mark.parametrize(
    "function", [f for f in ALL_CALLABLES if f is not integrations_test], ids=lambda f: f.__name__
)
def test_the_good_input_of_these_cases_is_accepted(
    db: firestore.Client, team: str, integration_id: str, function: Callable[..., Any]
) -> None:
    """Each case changes one thing in an input that is valid, so it fails for its own reason."""
    data = good_input(function, team, integration_id)
    if function is integrations_update:
        data["name"] = "Renamed"  # the cases' base asks for no change, which is itself a case

    answer = call(function, data, uid="owner")

    assert answer.status == 200, answer.body


@pytest.mark.parametrize("function", ALL_CALLABLES, ids=lambda f: f.__name__)
def test_every_callable_wants_a_team_id(db: firestore.Client, team: str, function: Any) -> None:
    before = all_documents(db)

    answer = call(function, {}, uid="owner")

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == "teamId"
    assert all_documents(db) == before


@pytest.mark.parametrize("function", ALL_CALLABLES, ids=lambda f: f.__name__)
def test_an_unauthenticated_caller_learns_nothing_about_the_input(
    db: firestore.Client, team: str, function: Any
) -> None:
    before = all_documents(db)

    answer = call(function, {"bogus": True})

    assert answer.status == 401
    assert answer.error["status"] == "UNAUTHENTICATED"
    assert "details" not in answer.error
    assert all_documents(db) == before
