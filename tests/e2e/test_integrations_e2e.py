"""Integrations through the emulator suite: a webhook integration tested against a local receiver that
checks the signature, the audit record, and the delete trigger cleaning up behind the integration."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from google.cloud import firestore

from tests.e2e.conftest import Team, call_function
from tests.support.http_servers import Received, serving


def signature_is_valid(secret: str, received: Received) -> bool:
    """Standard Webhooks, written from the specification, independently of the product."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = (
        f"{received.headers['webhook-id']}.{received.headers['webhook-timestamp']}.".encode() + received.body
    )
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, offered) for offered in received.headers["webhook-signature"].split()
    )


def test_a_webhook_integration_is_tested_signed_and_audited(team: Team) -> None:
    with serving() as receiver:
        created = call_function(
            "integrations_create",
            {
                "teamId": team.team_id,
                "type": "webhook",
                "name": "Local receiver",
                "config": {"url": f"{receiver.url}/hooks/helpdesk", "events": ["ticket.created"]},
            },
            token=team.owner_token,
        )
        assert created.status == 200, created.body
        integration_id, secret = created.result["id"], created.result["signingSecret"]

        tested = call_function(
            "integrations_test",
            {"teamId": team.team_id, "integrationId": integration_id},
            token=team.owner_token,
        )

    assert tested.result["success"] is True, tested.body
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert delivery.path == "/hooks/helpdesk"
    assert signature_is_valid(secret, delivery)
    assert delivery.json()["type"] == "integration.test"

    logs = call_function(
        "request_logs_list",
        {"teamId": team.team_id, "integrationId": integration_id},
        token=team.member_token,
    )
    [record] = logs.result["items"]
    assert record["method"] == "POST"
    assert record["endpoint"] == f"{receiver.url}/hooks/helpdesk"
    assert record["statusCode"] == 200
    assert record["success"] is True


def test_deleting_an_integration_removes_what_hangs_off_it(team: Team, db: firestore.Client) -> None:
    created = call_function(
        "integrations_create",
        {
            "teamId": team.team_id,
            "type": "rest",
            "name": "To delete",
            "config": {
                "baseUrl": "https://api.example.com",
                "auth": {"type": "bearer", "token": "e2e-token-value"},
            },
        },
        token=team.owner_token,
    )
    integration_id = created.result["id"]
    sync_config = db.document(f"teams/{team.team_id}/syncConfigs/for-{integration_id}")
    sync_config.set({"integrationId": integration_id})
    secrets = db.document(f"secrets/{team.team_id}/integrations/{integration_id}")
    assert secrets.get().exists

    deleted = call_function(
        "integrations_delete",
        {"teamId": team.team_id, "integrationId": integration_id},
        token=team.owner_token,
    )
    assert deleted.result["existed"] is True

    deadline = time.monotonic() + 30
    while sync_config.get().exists and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not sync_config.get().exists, "on_integration_deleted did not remove the sync configuration"
    assert not secrets.get().exists
