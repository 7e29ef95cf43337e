"""The calls made with a team's OAuth connection, against loopback stand-ins for the third parties: Slack's
Web API (`auth.test`, `chat.postMessage`, `auth.revoke`), a REST and a GraphQL API, HubSpot's refresh-token
revocation, and a real OAuth server for a refresh made on the way. Each test checks what the third party
received: the method, the URL and the connection's own bearer token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from google.cloud import firestore

from functions import integrations_create, integrations_test, oauth_tokens_revoke, oauth_tokens_store
from shared import events
from shared.oauth.providers import builtin_specs
from shared.settings import reset_settings
from shared.webhooks import delivery, fanout
from tests.integration.conftest import all_documents
from tests.support.callables import call
from tests.support.http_servers import LoopbackServer, Received, Reply
from tests.support.oauth_server import CLIENT_ID, CLIENT_SECRET, OAuthServer
from tests.support.task_queue import RecordingQueue

SLACK_OK = json.dumps({"ok": True, "team": "T1", "user": "bot"}).encode()
SLACK_REFUSED = json.dumps({"ok": False, "error": "invalid_auth"}).encode()


@dataclass
class ThirdParty:
    """One loopback server playing Slack's Web API (under /api), HubSpot and a team's own APIs.
    Every request is recorded; `answers` sets the reply for a path (default: Slack's `{"ok": true}`)."""

    server: LoopbackServer
    answers: dict[str, Reply] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def received(self) -> list[Received]:
        return self.server.received

    def respond(self, request: Received) -> Reply:
        return self.answers.get(request.path, Reply(200, SLACK_OK, {"Content-Type": "application/json"}))


@pytest.fixture
def oauth_server(private_networks: None) -> Iterator[OAuthServer]:
    server = OAuthServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def third_party(
    private_networks: None, oauth_server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ThirdParty]:
    party = ThirdParty(LoopbackServer())
    party.server.responder = party.respond
    party.server.start()
    monkeypatch.setenv("SLACK_API_BASE_URL", f"{party.url}/api")
    monkeypatch.setenv(
        "OAUTH_PROVIDER_ENDPOINTS",
        json.dumps(
            {
                "hubspot": {
                    "tokenUrl": f"{oauth_server.url}/token",
                    "revocationUrl": f"{party.url}/oauth/v1/refresh_tokens/{{refresh_token}}",
                },
                "slack": {"revocationUrl": f"{party.url}/api/auth.revoke"},
            }
        ),
    )
    client = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
    monkeypatch.setenv("OAUTH_CLIENTS", json.dumps({"hubspot": client, "slack": client}))
    reset_settings()
    builtin_specs.cache_clear()
    try:
        yield party
    finally:
        party.server.stop()
        builtin_specs.cache_clear()


def store_connection(team: str, provider: str, uid: str, access_token: str, **extra: Any) -> str:
    """`uid`'s own connection (an integration may use only its creator's connections)."""
    answer = call(
        oauth_tokens_store,
        {"teamId": team, "provider": provider, "userId": uid, "accessToken": access_token, **extra},
        uid=uid,
    )
    assert answer.status == 200, answer.body
    oauth_id: str = answer.result["id"]
    return oauth_id


def create(team: str, kind: str, config: dict[str, Any], uid: str = "admin") -> str:
    answer = call(
        integrations_create,
        {"teamId": team, "type": kind, "name": f"{kind} by OAuth", "config": config},
        uid=uid,
    )
    assert answer.status == 200, answer.body
    integration_id: str = answer.result["id"]
    return integration_id


def run_test(team: str, integration_id: str) -> dict[str, Any]:
    answer = call(integrations_test, {"teamId": team, "integrationId": integration_id}, uid="admin")
    assert answer.status == 200, answer.body
    result: dict[str, Any] = answer.result
    return result


def requests_made(party: ThirdParty) -> list[tuple[str, str, str | None]]:
    return [(r.method, r.path, r.headers.get("authorization")) for r in party.received]


def assert_never_stored(db: firestore.Client, *values: str) -> None:
    """Audit records and every other document hold none of these (tokens are sealed, or nowhere)."""
    stored = json.dumps(all_documents(db), default=str)
    for value in values:
        assert value not in stored


# ------------------------------------------------------------------ Slack with an OAuth connection


def test_slack_auth_test_is_called_with_the_connections_token(
    team: str, db: firestore.Client, third_party: ThirdParty
) -> None:
    token = "xoxb-admins-slack-token-0123456789"
    oauth_id = store_connection(team, "slack", "admin", token)
    integration_id = create(team, "slack", {"oauthId": oauth_id, "channel": "#support"})

    connected = run_test(team, integration_id)
    third_party.answers["/api/auth.test"] = Reply(200, SLACK_REFUSED, {"Content-Type": "application/json"})
    refused = run_test(team, integration_id)

    assert requests_made(third_party) == [("POST", "/api/auth.test", f"Bearer {token}")] * 2
    assert (connected["success"], connected["statusCode"]) == (True, 200)
    # Slack says no with HTTP 200 and {"ok": false}.
    assert (refused["success"], refused["statusCode"]) == (False, 200)
    assert token not in json.dumps([connected, refused])
    assert_never_stored(db, token)


def test_a_slack_delivery_posts_the_message_with_the_connections_token(
    team: str, db: firestore.Client, third_party: ThirdParty
) -> None:
    token = "xoxb-admins-slack-token-9876543210"
    oauth_id = store_connection(team, "slack", "admin", token)
    create(team, "slack", {"oauthId": oauth_id, "channel": "#support", "events": ["ticket.*"]})
    queue = RecordingQueue()

    def deliver_event(event_id: str, subject: str) -> str:
        events.emit(team, "ticket.created", {"id": event_id, "subject": subject}, event_id=event_id)
        assert fanout.fan_out(team, event_id, enqueue=queue) == 1
        return delivery.deliver(team, queue.tasks[-1].data["deliveryId"], enqueue=queue)

    delivered = deliver_event("evt_1", "Printer on fire")
    third_party.answers["/api/chat.postMessage"] = Reply(
        200, json.dumps({"ok": False, "error": "channel_not_found"}).encode()
    )
    refused = deliver_event("evt_2", "Toner low")

    assert requests_made(third_party) == [("POST", "/api/chat.postMessage", f"Bearer {token}")] * 2
    first = third_party.received[0].json()
    assert first["channel"] == "#support"
    assert "Printer on fire" in first["text"]
    assert delivered == "succeeded"
    assert refused == "retrying"  # {"ok": false} is a failed attempt, retried on schedule
    assert_never_stored(db, token)


def test_slack_revocation_calls_auth_revoke_with_the_bearer_token(
    team: str, db: firestore.Client, third_party: ThirdParty
) -> None:
    revoked_token = "xoxb-revoked-at-slack-0123456789"
    refused_token = "xoxb-slack-says-no-0123456789"
    revoked = store_connection(team, "slack", "admin", revoked_token)
    refused = store_connection(team, "slack", "owner", refused_token)

    first = call(oauth_tokens_revoke, {"teamId": team, "oauthId": revoked}, uid="admin").result
    third_party.answers["/api/auth.revoke"] = Reply(200, SLACK_REFUSED, {"Content-Type": "application/json"})
    second = call(oauth_tokens_revoke, {"teamId": team, "oauthId": refused}, uid="admin").result

    assert requests_made(third_party) == [
        ("POST", "/api/auth.revoke", f"Bearer {revoked_token}"),
        ("POST", "/api/auth.revoke", f"Bearer {refused_token}"),
    ]
    assert first == {"id": revoked, "status": "revoked", "revokedAtProvider": True}
    # Slack refuses with HTTP 200 and {"ok": false}: not revoked there (the tokens are deleted here anyway).
    assert second == {"id": refused, "status": "revoked", "revokedAtProvider": False}
    assert_never_stored(db, revoked_token, refused_token)


# ------------------------------------------------------------------ REST and GraphQL with an OAuth connection


def test_a_rest_integration_with_an_oauth_connection_sends_its_token(
    team: str, db: firestore.Client, third_party: ThirdParty
) -> None:
    token = "hubspot-access-token-of-admin-01234"
    oauth_id = store_connection(team, "hubspot", "admin", token)
    third_party.answers["/crm/v3/health"] = Reply(204, b"")
    integration_id = create(
        team,
        "rest",
        {
            "baseUrl": f"{third_party.url}/crm/v3",
            "auth": {"type": "oauth", "oauthId": oauth_id},
            "healthCheck": {"method": "GET", "path": "/health", "expectStatus": 204},
        },
    )

    result = run_test(team, integration_id)

    assert requests_made(third_party) == [("GET", "/crm/v3/health", f"Bearer {token}")]
    assert (result["success"], result["statusCode"]) == (True, 204)
    assert_never_stored(db, token)


def test_a_graphql_integration_with_an_oauth_connection_sends_its_token(
    team: str, db: firestore.Client, third_party: ThirdParty
) -> None:
    token = "graphql-oauth-access-token-0123456"
    oauth_id = store_connection(team, "hubspot", "admin", token)
    third_party.answers["/graphql"] = Reply(
        200, b'{"data": {"__typename": "Query"}}', {"Content-Type": "application/json"}
    )
    integration_id = create(
        team,
        "graphql",
        {"endpoint": f"{third_party.url}/graphql", "auth": {"type": "oauth", "oauthId": oauth_id}},
    )

    result = run_test(team, integration_id)

    assert requests_made(third_party) == [("POST", "/graphql", f"Bearer {token}")]
    assert third_party.received[0].json() == {"query": "query { __typename }"}
    assert result["success"] is True
    assert_never_stored(db, token)


def test_a_connection_about_to_expire_is_refreshed_before_the_call(
    team: str, db: firestore.Client, third_party: ThirdParty, oauth_server: OAuthServer
) -> None:
    stale_token = "hubspot-token-expiring-in-a-minute"
    oauth_id = store_connection(
        team,
        "hubspot",
        "admin",
        stale_token,
        refreshToken=oauth_server.issue_refresh_token(),
        expiresAt=(datetime.now(UTC) + timedelta(minutes=1)).isoformat(),
    )
    integration_id = create(
        team, "rest", {"baseUrl": f"{third_party.url}/crm", "auth": {"type": "oauth", "oauthId": oauth_id}}
    )

    result = run_test(team, integration_id)

    assert oauth_server.refresh_grants() == 1
    [fresh_token] = oauth_server.issued_access_tokens
    assert requests_made(third_party) == [("GET", "/crm/", f"Bearer {fresh_token}")]
    assert result["success"] is True
    assert_never_stored(db, stale_token, fresh_token)


# ------------------------------------------------------------------ HubSpot revocation


def test_hubspot_revocation_deletes_the_refresh_token_at_its_url(
    team: str, db: firestore.Client, third_party: ThirdParty
) -> None:
    access_token = "hubspot-access-token-to-revoke-0123"
    refresh_token = "hubspot/refresh+token=0123456789"
    oauth_id = store_connection(team, "hubspot", "admin", access_token, refreshToken=refresh_token)

    answer = call(oauth_tokens_revoke, {"teamId": team, "oauthId": oauth_id}, uid="admin").result

    # The refresh token travels in the path, escaped; HubSpot's DELETE takes no credentials besides it.
    assert requests_made(third_party) == [
        ("DELETE", "/oauth/v1/refresh_tokens/hubspot%2Frefresh%2Btoken%3D0123456789", None)
    ]
    assert third_party.received[0].body == b""
    assert answer == {"id": oauth_id, "status": "revoked", "revokedAtProvider": True}
    assert_never_stored(db, access_token, refresh_token, quote(refresh_token, safe=""))
