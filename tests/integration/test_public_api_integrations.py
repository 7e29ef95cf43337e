"""`/v1/integrations` and `/v1/webhooks` through `public_api`, against the real Firestore emulator and
loopback servers: the integration service's checks, as the key's team's admin, behind the routes'
scopes; secrets masked, never answered; OAuth connections never attached by a key; other teams' ids
answer 404 and change nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from google.cloud import firestore

from functions import api_keys_create, integrations_create
from shared.crypto import sha256_hex
from shared.models.teams import Role
from shared.store import members
from tests.integration.test_public_api import KeyMaker, api, assert_problem, pointers
from tests.support.callables import call
from tests.support.http_servers import Received, Reply, serving

TOKEN = "rest-bearer-token-123456789"


def stored(db: firestore.Client, team: str = "team-a") -> dict[str, dict[str, Any]]:
    """The team's integrations and every sealed secret: what a refused request must leave as it was."""
    found = {
        snap.reference.path: snap.to_dict() or {}
        for snap in db.collection(f"teams/{team}/integrations").stream()
    }
    for snap in db.collection_group("integrations").stream():
        found[snap.reference.path] = snap.to_dict() or {}
    return found


def rest_body(base_url: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "rest",
        "name": "Billing API",
        "config": {"baseUrl": base_url, "auth": {"type": "bearer", "token": TOKEN}},
        **more,
    }


@pytest.fixture
def make_key(team: str) -> KeyMaker:
    """Keys of team-a with the scopes given, made by `api_keys_create`."""

    def make(scopes: list[str]) -> str:
        made = call(api_keys_create, {"teamId": team, "name": "integrations", "scopes": scopes}, uid="admin")
        assert made.status == 200, made.body
        key: str = made.result["key"]
        return key

    return make


@pytest.fixture
def admin_key(make_key: KeyMaker) -> str:
    return make_key(["integrations:read", "integrations:write", "webhooks:manage"])


def test_an_integration_s_life_through_the_api(
    db: firestore.Client, team: str, private_networks: None, admin_key: str
) -> None:
    def health(request: Received) -> Reply:
        ok = request.headers.get("authorization") == f"Bearer {TOKEN}"
        return Reply(200 if ok else 401, b"{}")

    with serving(health) as server:
        created = api("POST", "/v1/integrations", admin_key, rest_body(server.url))
        assert created.status == 201, created.body
        integration_id = created.body["id"]
        assert created.headers["Location"] == f"/v1/integrations/{integration_id}"
        tested = api("POST", f"/v1/integrations/{integration_id}/test", admin_key)
        renamed = api("PATCH", f"/v1/integrations/{integration_id}", admin_key, {"name": "Billing"})
        fetched = api("GET", f"/v1/integrations/{integration_id}", admin_key)
        listed = api("GET", "/v1/integrations?type=rest", admin_key)
        others = api("GET", "/v1/integrations?type=slack", admin_key)

    key_id = db.document(f"apiKeyIndex/{sha256_hex(admin_key)}").get().get("keyId")
    assert created.body["createdBy"] == f"apiKey:{key_id}"
    assert tested.status == 200
    assert tested.body["success"] is True, tested.body
    assert server.received[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert renamed.status == 200
    assert renamed.body["name"] == "Billing"
    assert fetched.body["name"] == "Billing"
    assert [item["id"] for item in listed.body["items"]] == [integration_id]
    assert others.body == {"items": [], "nextCursor": None}
    for answer in (created, renamed, fetched, listed):
        assert TOKEN not in str(answer.body)  # masked, never answered

    deleted = api("DELETE", f"/v1/integrations/{integration_id}", admin_key)
    assert deleted.status == 204
    assert_problem(api("GET", f"/v1/integrations/{integration_id}", admin_key), 404, "not-found")
    assert_problem(api("DELETE", f"/v1/integrations/{integration_id}", admin_key), 404, "not-found")


@pytest.mark.parametrize(
    ("method", "path", "body", "scope"),
    [
        ("GET", "/v1/integrations", None, "integrations:read"),
        ("POST", "/v1/integrations", rest_body("https://api.example.com"), "integrations:write"),
        ("POST", "/v1/integrations/abc/test", None, "integrations:write"),
        ("DELETE", "/v1/integrations/abc", None, "integrations:write"),
        ("GET", "/v1/webhooks", None, "webhooks:manage"),
        (
            "POST",
            "/v1/webhooks",
            {"url": "https://hooks.example.com/x", "events": ["ticket.created"]},
            "webhooks:manage",
        ),
    ],
)
def test_each_route_needs_its_scope(
    db: firestore.Client,
    team: str,
    make_key: KeyMaker,
    method: str,
    path: str,
    body: Any,
    scope: str,
) -> None:
    others = [s for s in ("integrations:read", "integrations:write", "webhooks:manage") if s != scope]
    key = make_key(others)
    before = stored(db)

    problem = assert_problem(api(method, path, key, body), 403, "missing-scope")

    assert scope in problem["detail"]
    assert stored(db) == before
    assert api(method, path, make_key(["admin:full"]), body).status != 403


def test_a_key_never_attaches_an_oauth_connection(db: firestore.Client, team: str, admin_key: str) -> None:
    before = stored(db)

    slack = api(
        "POST",
        "/v1/integrations",
        admin_key,
        {"type": "slack", "name": "Slack", "config": {"channel": "#support", "oauthId": "slack_u1"}},
    )
    rest = api(
        "POST",
        "/v1/integrations",
        admin_key,
        {
            "type": "rest",
            "name": "CRM",
            "config": {
                "baseUrl": "https://api.example.com",
                "auth": {"type": "oauth", "oauthId": "google_u1"},
            },
        },
    )

    assert pointers(slack) == ["/config/oauthId"], slack.body
    assert slack.status == 403
    assert pointers(rest) == ["/config/auth/oauthId"], rest.body
    assert stored(db) == before


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (rest_body("ftp://files.example.com"), "/config/baseUrl"),
        ({"type": "rest", "name": "x", "config": {}}, "/config/baseUrl"),
        ({"type": "carrier-pigeon", "name": "x", "config": {}}, "/type"),
        ({**rest_body("https://api.example.com"), "teamId": "team-b"}, "/teamId"),
        ({**rest_body("https://api.example.com"), "marketplaceId": "no-such-entry"}, "/marketplaceId"),
    ],
)
def test_bad_integrations_are_400_with_a_pointer_and_write_nothing(
    db: firestore.Client, team: str, admin_key: str, body: dict[str, Any], pointer: str
) -> None:
    before = stored(db)

    answer = api("POST", "/v1/integrations", admin_key, body)

    assert_problem(answer, 400, "invalid-request")
    assert pointer in pointers(answer), answer.body
    assert stored(db) == before


def test_another_team_s_integration_is_not_found_and_unchanged(
    db: firestore.Client, team: str, make_key: KeyMaker, admin_key: str
) -> None:
    members.set_role("team-b", "owner-b", Role.OWNER)
    theirs = call(
        integrations_create,
        {"teamId": "team-b", **rest_body("https://api.example.com")},
        uid="owner-b",
    )
    assert theirs.status == 200, theirs.body
    their_id = theirs.result["id"]
    before = stored(db, "team-b")

    answers = [
        api("GET", f"/v1/integrations/{their_id}", admin_key),
        api("PATCH", f"/v1/integrations/{their_id}", admin_key, {"name": "mine now"}),
        api("POST", f"/v1/integrations/{their_id}/test", admin_key),
        api("DELETE", f"/v1/integrations/{their_id}", admin_key),
        api("DELETE", f"/v1/webhooks/{their_id}", admin_key),
    ]

    for answer in answers:
        assert_problem(answer, 404, "not-found")
    assert stored(db, "team-b") == before
    assert api("GET", "/v1/integrations", admin_key).body["items"] == []


def test_an_outgoing_webhook_subscription_shows_its_signing_secret_once(
    db: firestore.Client, team: str, admin_key: str
) -> None:
    created = api(
        "POST",
        "/v1/webhooks",
        admin_key,
        {"url": "https://hooks.example.com/helpdesk", "events": ["ticket.created", "ticket.resolved"]},
    )
    assert created.status == 201, created.body
    secret = created.body["signingSecret"]
    webhook_id = created.body["id"]
    listed = api("GET", "/v1/webhooks", admin_key)
    as_integration = api("GET", f"/v1/integrations/{webhook_id}", admin_key)

    assert secret.startswith("whsec_")
    assert created.body["url"] == "https://hooks.example.com/helpdesk"
    assert created.body["events"] == ["ticket.created", "ticket.resolved"]
    assert [item["id"] for item in listed.body["items"]] == [webhook_id]
    assert secret not in str(listed.body)
    assert secret not in str(as_integration.body)
    assert as_integration.body["type"] == "webhook"

    assert api("DELETE", f"/v1/webhooks/{webhook_id}", admin_key).status == 204
    assert_problem(api("DELETE", f"/v1/webhooks/{webhook_id}", admin_key), 404, "not-found")
    assert api("GET", "/v1/webhooks", admin_key).body["items"] == []


def test_webhooks_only_manage_webhook_integrations(db: firestore.Client, team: str, admin_key: str) -> None:
    rest = api("POST", "/v1/integrations", admin_key, rest_body("https://api.example.com"))
    before = stored(db)

    assert_problem(api("DELETE", f"/v1/webhooks/{rest.body['id']}", admin_key), 404, "not-found")
    assert api("GET", "/v1/webhooks", admin_key).body["items"] == []
    assert stored(db) == before


def test_lists_page_by_updated_at_from_updated_since(db: firestore.Client, team: str, admin_key: str) -> None:
    hook = {"url": "https://hooks.example.com/x", "events": ["ticket.created"]}
    made = [api("POST", "/v1/webhooks", admin_key, {**hook, "name": f"hook {n}"}).body for n in range(3)]
    rest = api("POST", "/v1/integrations", admin_key, rest_body("https://api.example.com")).body
    # The oldest webhook changes last: it comes after the others, and alone from its updatedAt on.
    changed = api("PATCH", f"/v1/integrations/{made[0]['id']}", admin_key, {"name": "renamed"}).body

    def every(path: str, **query: str) -> list[str]:
        ids: list[str] = []
        cursor = None
        while True:
            params = {**query, "limit": "2", **({"cursor": cursor} if cursor else {})}
            page = api("GET", f"{path}?{urlencode(params)}", admin_key)
            assert page.status == 200, page.body
            ids += [item["id"] for item in page.body["items"]]
            cursor = page.body["nextCursor"]
            if cursor is None:
                return ids

    assert every("/v1/webhooks") == [made[1]["id"], made[2]["id"], made[0]["id"]]
    assert every("/v1/integrations") == [made[1]["id"], made[2]["id"], rest["id"], made[0]["id"]]
    assert every("/v1/integrations", type="rest") == [rest["id"]]
    assert every("/v1/webhooks", updatedSince=changed["updatedAt"]) == [made[0]["id"]]
    assert every("/v1/integrations", updatedSince=changed["updatedAt"]) == [made[0]["id"]]
    # A cursor belongs to its list and its filters.
    first = api("GET", "/v1/webhooks?limit=1", admin_key).body["nextCursor"]
    moved = api("GET", f"/v1/integrations?{urlencode({'cursor': first})}", admin_key)
    assert pointers(moved) == ["#/query/cursor"]
    assert pointers(api("GET", "/v1/webhooks?updatedSince=yesterday", admin_key)) == ["#/query/updatedSince"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"url": "https://hooks.example.com/x", "events": []}, "/events"),
        ({"url": "https://hooks.example.com/x"}, "/events"),
        ({"url": "nope", "events": ["ticket.created"]}, "/url"),
        ({"url": "https://hooks.example.com/x", "events": ["no.such.event"]}, "/events/0"),
        ({"url": "https://hooks.example.com/x", "events": ["ticket.created"], "secret": "mine"}, "/secret"),
    ],
)
def test_bad_webhooks_are_400_with_a_pointer_and_write_nothing(
    db: firestore.Client, team: str, admin_key: str, body: dict[str, Any], pointer: str
) -> None:
    before = stored(db)

    answer = api("POST", "/v1/webhooks", admin_key, body)

    assert_problem(answer, 400, "invalid-request")
    assert pointer in pointers(answer), answer.body
    assert stored(db) == before
