"""Team-defined REST endpoints: the callables that define them, and `public_api` serving them at
`/v1/custom/<path>` and `/v1/public/{teamId}/<path>`, against the real Firestore emulator and a loopback
third party (the event target, the proxy target with the integration's credentials, the public
per-address budget, the scopes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from functions import (
    api_keys_create,
    integrations_create,
    rest_endpoints_create,
    rest_endpoints_delete,
    rest_endpoints_list,
)
from shared.models.api_keys import RateLimit
from shared.models.teams import Role
from shared.public_api import custom
from shared.public_api.endpoints import endpoint_id
from shared.store import members
from tests.integration.test_public_api import api, assert_problem, pointers
from tests.support.callables import call
from tests.support.http_servers import Received, Reply, serving

TOKEN = "proxy-bearer-token-987654321"
ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "sku": {"type": "string", "minLength": 1},
        "quantity": {"type": "integer", "minimum": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["sku", "quantity"],
    "additionalProperties": False,
}


def endpoints_of(db: firestore.Client, team: str = "team-a") -> dict[str, dict[str, Any]]:
    return {snap.id: snap.to_dict() or {} for snap in db.collection(f"teams/{team}/restEndpoints").stream()}


def events_of(db: firestore.Client, team: str = "team-a") -> dict[str, dict[str, Any]]:
    return {snap.id: snap.to_dict() or {} for snap in db.collection(f"teams/{team}/events").stream()}


def define(team: str = "team-a", uid: str = "admin", **fields: Any) -> Any:
    body = {
        "teamId": team,
        "path": "/orders",
        "method": "POST",
        "scopes": ["tickets:write"],
        "schema": ORDER_SCHEMA,
        "target": {"type": "event", "eventType": "custom.order_placed"},
        **fields,
    }
    return call(rest_endpoints_create, body, uid=uid)


def key_of(team: str, scopes: list[str]) -> str:
    members.set_role(team, "admin", Role.ADMIN)
    made = call(api_keys_create, {"teamId": team, "name": "custom", "scopes": scopes}, uid="admin")
    assert made.status == 200, made.body
    key: str = made.result["key"]
    return key


def rest_integration(team: str, base_url: str) -> str:
    members.set_role(team, "admin", Role.ADMIN)
    made = call(
        integrations_create,
        {
            "teamId": team,
            "type": "rest",
            "name": "Orders API",
            "config": {"baseUrl": base_url, "auth": {"type": "bearer", "token": TOKEN}},
        },
        uid="admin",
    )
    assert made.status == 200, made.body
    integration_id: str = made.result["id"]
    return integration_id


# ------------------------------------------------------------------ the callables


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"path": "/orders/{id}"}, "path"),
        ({"path": "orders"}, "path"),
        ({"path": "/a/b/c/d/e/f/g/h/i"}, "path"),
        ({"path": "/a//b"}, "path"),
        ({"method": "PATCH"}, "method"),
        ({"scopes": ["orders:write"]}, "scopes[0]"),
        ({"schema": {"type": "nope"}}, "schema"),
        ({"schema": {"properties": {"a": {"minimum": "one"}}}}, "schema"),
        ({"schema": {"$ref": "https://example.com/order.json"}}, "schema"),
        ({"schema": {"$ref": "#/$defs/missing"}}, "schema"),
        # A backtracking regex on a crafted body would hold the shared instance: no patterns at all.
        ({"schema": {"properties": {"sku": {"type": "string", "pattern": "^(a+)+$"}}}}, "schema"),
        ({"schema": {"patternProperties": {"^(a|aa)+$": {"type": "string"}}}}, "schema"),
        ({"schema": {"type": "object"}, "method": "GET"}, "schema"),
        ({"schema": {"description": "x" * 70_000}}, "schema"),
        ({"target": {"type": "event"}}, "target.eventType"),
        ({"target": {"type": "event", "eventType": "ticket.created"}}, "target.eventType"),
        ({"method": "GET", "schema": None}, "method"),
        ({"target": {"type": "proxy", "path": "/v1/orders"}}, "target.integrationId"),
        (
            {"target": {"type": "proxy", "integrationId": "nope", "path": "/v1/orders"}},
            "target.integrationId",
        ),
        ({"target": {"type": "proxy", "integrationId": "x", "path": "/a/../b"}}, "target.path"),
        ({"target": {"type": "mail"}}, "target.type"),
        ({"public": "yes"}, "public"),
    ],
)
def test_bad_definitions_are_refused_naming_the_field_and_nothing_is_written(
    db: firestore.Client, team: str, fields: dict[str, Any], field: str
) -> None:
    answer = define(**fields)
    assert answer.status == 400, answer.body
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == field
    assert endpoints_of(db) == {}


def test_another_teams_integration_cannot_be_the_proxy_target(db: firestore.Client, team: str) -> None:
    other = rest_integration("team-b", "https://api.example.com")
    answer = define(target={"type": "proxy", "integrationId": other, "path": "/orders"})
    assert answer.status == 400, answer.body
    assert answer.error["details"]["field"] == "target.integrationId"
    assert endpoints_of(db) == {}


def test_only_admins_define_and_delete_and_members_list(db: firestore.Client, team: str) -> None:
    assert define(uid="member").status == 403
    assert endpoints_of(db) == {}
    made = define()
    assert made.status == 200, made.body
    assert made.result["schema"] == ORDER_SCHEMA
    assert made.result["target"] == {
        "type": "event",
        "eventType": "custom.order_placed",
        "integrationId": None,
        "path": None,
    }
    listed = call(rest_endpoints_list, {"teamId": team}, uid="member")
    assert [item["id"] for item in listed.result["items"]] == [made.result["id"]]
    refused = call(rest_endpoints_delete, {"teamId": team, "endpointId": made.result["id"]}, uid="member")
    assert refused.status == 403
    assert call(rest_endpoints_list, {"teamId": team}, uid="outsider").status == 403


def test_one_method_and_path_has_one_endpoint(db: firestore.Client, team: str) -> None:
    assert define().status == 200
    again = define(target={"type": "event", "eventType": "custom.other"})
    assert again.status == 409, again.body
    assert again.error["details"]["field"] == "path"
    # Another method on the same path, and the same path in another team, are other endpoints.
    assert define(method="PUT").status == 200
    members.set_role("team-b", "admin", Role.ADMIN)
    assert define(team="team-b").status == 200
    assert len(endpoints_of(db)) == 2
    assert len(endpoints_of(db, "team-b")) == 1


def test_the_list_answers_enabled_endpoints_a_page_at_a_time(db: firestore.Client, team: str) -> None:
    ids = [define(path=f"/e{index}").result["id"] for index in range(5)]
    db.document(f"teams/{team}/restEndpoints/{ids[2]}").update({"enabled": False})
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query: dict[str, Any] = {"teamId": team, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = call(rest_endpoints_list, query, uid="member").result
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids[:2] + ids[3:])
    assert pages == 2
    bad = call(rest_endpoints_list, {"teamId": team, "limit": 0}, uid="member")
    assert bad.error["details"]["field"] == "limit"


def test_delete_is_idempotent_and_the_path_then_answers_404(db: firestore.Client, team: str) -> None:
    made = define().result
    key = key_of(team, ["tickets:write"])
    assert api("POST", "/v1/custom/orders", key, {"sku": "a", "quantity": 1}).status == 202
    ref = {"teamId": team, "endpointId": made["id"]}
    first = call(rest_endpoints_delete, ref, uid="admin").result
    assert first == {"id": made["id"], "deleted": True, "existed": True}
    assert call(rest_endpoints_delete, ref, uid="admin").result["existed"] is False
    assert endpoints_of(db) == {}
    assert_problem(api("POST", "/v1/custom/orders", key, {"sku": "a", "quantity": 1}), 404, "not-found")


def test_a_method_the_path_does_not_take_is_405_naming_those_it_takes(
    db: firestore.Client, team: str
) -> None:
    assert define().status == 200
    assert define(method="PUT").status == 200
    assert define(method="PUT", path="/orders/old").status == 200
    key = key_of(team, ["tickets:write"])
    wrong = api("GET", "/v1/custom/orders", key)
    assert_problem(wrong, 405, "method-not-allowed")
    assert wrong.headers["Allow"] == "POST, PUT"
    # A disabled endpoint is not offered, and a path nobody defined stays 404.
    db.document(f"teams/{team}/restEndpoints/{endpoint_id('PUT', '/orders')}").update({"enabled": False})
    assert api("GET", "/v1/custom/orders", key).headers["Allow"] == "POST"
    assert_problem(api("GET", "/v1/custom/order", key), 404, "not-found")
    assert events_of(db) == {}


def test_a_public_path_offers_only_its_public_methods(db: firestore.Client, team: str) -> None:
    assert define(path="/signup", public=True, scopes=[]).status == 200
    assert define(path="/signup", method="PUT").status == 200
    wrong = api("DELETE", f"/v1/public/{team}/signup")
    assert_problem(wrong, 405, "method-not-allowed")
    assert wrong.headers["Allow"] == "POST"
    # Only private endpoints at a path: without a key, the path is not there.
    assert define(path="/private").status == 200
    assert_problem(api("GET", f"/v1/public/{team}/private"), 404, "not-found")
    assert events_of(db) == {}


# ------------------------------------------------------------------ the event target and the scopes


def test_a_valid_body_becomes_one_event_and_a_bad_one_is_refused_with_pointers(
    db: firestore.Client, team: str
) -> None:
    assert define().status == 200
    key = key_of(team, ["tickets:write"])

    bad = api("POST", "/v1/custom/orders", key, {"sku": "", "quantity": "2", "tags": ["a", 3]})
    problem = assert_problem(bad, 400, "invalid-request")
    assert pointers(bad) == ["/quantity", "/sku", "/tags/1"]
    assert '"2"' not in json.dumps(problem)
    missing = api("POST", "/v1/custom/orders", key, {"tags": []})
    assert pointers(missing) == ["", ""]
    assert api("POST", "/v1/custom/orders", key, raw=b"[1]").status == 400
    assert events_of(db) == {}

    body = {"sku": "A-1", "quantity": 2}
    answer = api("POST", "/v1/custom/orders", key, body)
    assert answer.status == 202, answer.body
    assert answer.body["type"] == "custom.order_placed"
    stored = events_of(db)
    assert list(stored) == [answer.body["eventId"]]
    assert stored[answer.body["eventId"]]["type"] == "custom.order_placed"
    assert stored[answer.body["eventId"]]["data"] == body


def test_a_retried_request_with_the_same_idempotency_key_emits_once(db: firestore.Client, team: str) -> None:
    assert define().status == 200
    key = key_of(team, ["tickets:write"])
    headers = {"Idempotency-Key": "order-42"}
    body = {"sku": "A-1", "quantity": 2}
    first = api("POST", "/v1/custom/orders", key, body, headers=headers)
    again = api("POST", "/v1/custom/orders", key, body, headers=headers)
    assert first.status == again.status == 202
    assert again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert list(events_of(db)) == [first.body["eventId"]]
    other_body = api("POST", "/v1/custom/orders", key, {"sku": "B", "quantity": 1}, headers=headers)
    assert_problem(other_body, 422, "idempotency-key-reused")
    # Without a key, each request is an event of its own.
    assert api("POST", "/v1/custom/orders", key, body).status == 202
    assert len(events_of(db)) == 2


def test_a_retry_after_a_crash_between_the_event_and_the_answer_emits_nothing_more(
    db: firestore.Client, team: str
) -> None:
    assert define().status == 200
    key = key_of(team, ["tickets:write"])
    headers = {"Idempotency-Key": "order-43"}
    body = {"sku": "A-1", "quantity": 2}
    first = api("POST", "/v1/custom/orders", key, body, headers=headers)
    assert first.status == 202
    # As if the instance died after emitting, before storing its answer, longer ago than the lease.
    [record] = list(db.collection_group("idempotencyKeys").stream())
    record.reference.update(
        {
            "state": "in_progress",
            "status": None,
            "body": None,
            "claimedAt": datetime.now(UTC) - timedelta(minutes=5),
        }
    )
    retried = api("POST", "/v1/custom/orders", key, body, headers=headers)
    assert retried.status == 202
    assert retried.body == first.body
    assert list(events_of(db)) == [first.body["eventId"]]


def test_a_key_needs_every_scope_of_the_endpoint(db: firestore.Client, team: str) -> None:
    assert define(scopes=["tickets:write", "contacts:write"]).status == 200
    body = {"sku": "A-1", "quantity": 2}
    nothing = key_of(team, ["contacts:read"])
    problem = assert_problem(api("POST", "/v1/custom/orders", nothing, body), 403, "missing-scope")
    assert "tickets:write" in problem["detail"]
    half = key_of(team, ["tickets:write"])
    problem = assert_problem(api("POST", "/v1/custom/orders", half, body), 403, "missing-scope")
    assert "contacts:write" in problem["detail"]
    assert events_of(db) == {}
    assert (
        api("POST", "/v1/custom/orders", key_of(team, ["tickets:write", "contacts:write"]), body).status
        == 202
    )
    assert api("POST", "/v1/custom/orders", key_of(team, ["admin:full"]), body).status == 202
    assert_problem(api("POST", "/v1/custom/orders", None, body), 401, "unauthenticated")
    assert len(events_of(db)) == 2


def test_a_key_reaches_its_own_teams_endpoints_only(db: firestore.Client, team: str) -> None:
    members.set_role("team-b", "admin", Role.ADMIN)
    assert define(team="team-b").status == 200
    key = key_of(team, ["admin:full"])
    assert_problem(api("POST", "/v1/custom/orders", key, {"sku": "a", "quantity": 1}), 404, "not-found")
    assert events_of(db, "team-b") == {}


# ------------------------------------------------------------------ the proxy target


@pytest.fixture
def third_party(private_networks: None) -> Iterator[Any]:
    def answer(request: Received) -> Reply:
        echoed = {"seen": request.headers.get("authorization"), "path": request.path}
        if request.body:
            echoed["body"] = request.json()
        return Reply(201 if request.method == "POST" else 200, json.dumps(echoed).encode())

    with serving(answer) as server:
        yield server


def test_the_proxy_forwards_with_the_integrations_credentials_and_never_answers_them(
    db: firestore.Client, team: str, third_party: Any
) -> None:
    integration_id = rest_integration(team, f"{third_party.url}/api")
    made = define(
        path="/remote/orders",
        scopes=["contacts:read"],
        target={"type": "proxy", "integrationId": integration_id, "path": "/v2/orders"},
    )
    assert made.status == 200, made.body
    key = key_of(team, ["contacts:read"])

    answer = api("POST", "/v1/custom/remote/orders?page=2", key, {"sku": "A-1", "quantity": 2})
    assert answer.status == 201, answer.body
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.body == {
        "seen": "Bearer ***",
        "path": "/api/v2/orders?page=2",
        "body": {"sku": "A-1", "quantity": 2},
    }
    [received] = third_party.received
    assert received.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in json.dumps(answer.body)
    # The schema is checked before anything is forwarded.
    assert api("POST", "/v1/custom/remote/orders", key, {"sku": "A-1"}).status == 400
    assert len(third_party.received) == 1
    # The outbound client's audit record names the key and holds no credential.
    logs = [snap.to_dict() for snap in db.collection(f"teams/{team}/integrationLogs").stream()]
    assert len(logs) == 1
    assert TOKEN not in json.dumps(logs, default=str)


def test_a_proxy_whose_third_party_is_unreachable_answers_502(
    db: firestore.Client, team: str, third_party: Any
) -> None:
    integration_id = rest_integration(team, "http://127.0.0.1:9/api")
    made = define(
        method="GET",
        path="/remote/status",
        schema=None,
        target={"type": "proxy", "integrationId": integration_id, "path": "/status"},
    )
    assert made.status == 200, made.body
    answer = api("GET", "/v1/custom/remote/status", key_of(team, ["tickets:write"]))
    problem = assert_problem(answer, 502, "bad-gateway")
    assert TOKEN not in json.dumps(problem)


# ------------------------------------------------------------------ public endpoints


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(custom, "PUBLIC_BUDGET", RateLimit(requests=3, window=60_000))
    custom.reset_limiter()
    yield
    custom.reset_limiter()


def test_a_public_endpoint_needs_no_key_and_each_address_has_a_budget(
    db: firestore.Client, team: str, small_budget: None
) -> None:
    assert define(path="/signup", public=True, scopes=[]).status == 200
    body = {"sku": "A-1", "quantity": 1}
    first = {"X-Forwarded-For": "203.0.113.7"}
    # The last entry is the one the front end appended: a client's own entries are ignored.
    forged = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    for headers in (first, forged, first):
        assert api("POST", f"/v1/public/{team}/signup", body=body, headers=headers).status == 202
    limited = api("POST", f"/v1/public/{team}/signup", body=body, headers=first)
    assert_problem(limited, 429, "rate-limited")
    assert int(limited.headers["Retry-After"]) >= 1
    other = {"X-Forwarded-For": "203.0.113.8"}
    assert api("POST", f"/v1/public/{team}/signup", body=body, headers=other).status == 202
    assert len(events_of(db)) == 4


def test_only_public_endpoints_are_served_without_a_key(db: firestore.Client, team: str) -> None:
    assert define().status == 200
    body = {"sku": "A-1", "quantity": 1}
    assert_problem(api("POST", f"/v1/public/{team}/orders", body=body), 404, "not-found")
    assert_problem(api("POST", "/v1/public/team-b/orders", body=body), 404, "not-found")
    assert_problem(api("POST", "/v1/public/__x__/orders", body=body), 404, "not-found")
    assert events_of(db) == {}
