"""Firebase Hosting in the emulator suite: the console's files, the SPA fallback, and the rewrites
`/api/v1/**` to `public_api` and `/api/graphql` to `public_graphql` (a rewrite works only when the
functions run in the same suite)."""

from __future__ import annotations

import requests

from tests.e2e.conftest import Team, call_function

HOSTING_URL = "http://127.0.0.1:5000"


def test_hosting_serves_the_console_and_falls_back_to_it() -> None:
    root = requests.get(f"{HOSTING_URL}/", timeout=30)
    deep_link = requests.get(f"{HOSTING_URL}/settings/anything", timeout=30)

    assert root.status_code == 200
    assert '<div id="root"></div>' in root.text
    assert deep_link.status_code == 200
    assert deep_link.text == root.text


def test_the_public_api_is_reached_through_the_hosting_rewrite(team: Team) -> None:
    created = call_function(
        "api_keys_create",
        {"teamId": team.team_id, "name": "Through Hosting", "scopes": ["contacts:read"]},
        token=team.owner_token,
    )
    assert created.status == 200, created.body
    key = created.result["key"]

    document = requests.get(f"{HOSTING_URL}/api/v1/openapi.json", timeout=120)
    contacts = requests.get(
        f"{HOSTING_URL}/api/v1/contacts", headers={"Authorization": f"Bearer {key}"}, timeout=120
    )
    anonymous = requests.get(f"{HOSTING_URL}/api/v1/contacts", timeout=120)

    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.")
    assert contacts.status_code == 200, contacts.text
    assert contacts.json()["items"] == []
    assert anonymous.status_code == 401


def test_the_graphql_api_is_reached_through_the_hosting_rewrite(team: Team) -> None:
    created = call_function(
        "api_keys_create",
        {"teamId": team.team_id, "name": "GraphQL through Hosting", "scopes": ["contacts:read"]},
        token=team.owner_token,
    )
    assert created.status == 200, created.body
    headers = {"Authorization": f"Bearer {created.result['key']}"}
    query = {
        "query": "{ contacts(first: 5) { nodes { id } pageInfo { hasNextPage } } tickets { nodes { id } } }"
    }

    answer = requests.post(f"{HOSTING_URL}/api/graphql", json=query, headers=headers, timeout=120)
    anonymous = requests.post(f"{HOSTING_URL}/api/graphql", json=query, timeout=120)

    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/graphql-response+json")
    body = answer.json()
    assert body["data"]["contacts"] == {"nodes": [], "pageInfo": {"hasNextPage": False}}
    # The key lacks tickets:read: that field alone is refused.
    assert body["data"]["tickets"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
    assert anonymous.status_code == 401
