"""Incoming webhooks through the emulator suite: the functions served over HTTP at
`.../webhook_<source>/{teamId}/{integrationId}`, and the real `on_webhook_event_created` trigger.

Signatures are computed here from the providers' specifications, independently of the product.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import requests
from google.cloud import firestore

from tests.e2e.conftest import FUNCTIONS_URL, Team, call_function

SLACK_SECRET = "e2e-slack-signing-secret-0123456789"


def create_integration(team: Team, kind: str, config: dict[str, Any]) -> dict[str, Any]:
    created = call_function(
        "integrations_create",
        {"teamId": team.team_id, "type": kind, "name": f"incoming {kind}", "config": config},
        token=team.owner_token,
    )
    assert created.status == 200, created.body
    result: dict[str, Any] = created.result
    return result


def wait_for(document: firestore.DocumentReference, done: Any, seconds: float = 30) -> dict[str, Any]:
    """The document's data once `done(data)` holds, polling up to `seconds`."""
    deadline = time.monotonic() + seconds
    data: dict[str, Any] = {}
    while time.monotonic() < deadline:
        snapshot = document.get()
        data = (snapshot.to_dict() or {}) if snapshot.exists else {}
        if data and done(data):
            return data
        time.sleep(0.5)
    raise AssertionError(f"{document.path} not as expected after {seconds} s: {data}")


def test_a_signed_generic_webhook_is_accepted_stored_and_processed(team: Team, db: firestore.Client) -> None:
    created = create_integration(
        team, "webhook", {"url": "https://example.com/hook", "events": ["ticket.created"]}
    )
    secret = created["signingSecret"]
    message_id = f"msg_{uuid.uuid4().hex}"
    body = json.dumps({"type": "ticket.created", "data": {"id": "t-1"}}).encode()
    timestamp = str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signature = base64.b64encode(
        hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    url = f"{FUNCTIONS_URL}/webhook_generic/{team.team_id}/{created['id']}"
    headers = {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": f"v1,{signature}",
    }

    answer = requests.post(url, data=body, headers=headers, timeout=60)
    again = requests.post(url, data=body, headers=headers, timeout=60)
    tampered = requests.post(url, data=body + b" ", headers=headers, timeout=60)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ok": True}
    assert again.json() == {"ok": True, "duplicate": True}
    assert tampered.status_code == 401
    event = wait_for(
        db.document(f"teams/{team.team_id}/webhookEvents/generic_{message_id}"),
        lambda data: data.get("status") == "processed",
    )
    assert event["eventType"] == "ticket.created"
    assert json.loads(event["payloadJson"]) == {"type": "ticket.created", "data": {"id": "t-1"}}


def test_a_slack_slash_command_creates_a_ticket_through_the_trigger(team: Team, db: firestore.Client) -> None:
    created = create_integration(
        team,
        "slack",
        {"webhookUrl": "https://hooks.slack.com/services/T0/B0/e2e", "signingSecret": SLACK_SECRET},
    )
    trigger_id = f"{int(time.time())}.{uuid.uuid4().int % 10**9}.{uuid.uuid4().hex[:20]}"
    body = urlencode(
        {
            "command": "/ticket",
            "text": "VPN is down for the whole office",
            "user_id": "U0E2E",
            "user_name": "grace",
            "team_id": "T0E2E",
            "channel_id": "C0E2E",
            "trigger_id": trigger_id,
        }
    ).encode()
    timestamp = str(int(time.time()))
    signature = hmac.new(
        SLACK_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()

    url = f"{FUNCTIONS_URL}/webhook_slack/{team.team_id}/{created['id']}"
    # Slack wants an answer within 3 s: the function answers before any work (the integration tier checks
    # that no ticket exists when it answers); its cost per request is measured by bench/webhooks.py.
    answer = requests.post(
        url,
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": f"v0={signature}",
        },
        timeout=60,
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["ok"] is True
    [event_snapshot] = list(db.collection(f"teams/{team.team_id}/webhookEvents").stream())
    ticket = wait_for(
        db.document(f"teams/{team.team_id}/tickets/webhook_{event_snapshot.id}"),
        lambda data: bool(data.get("subject")),
    )
    assert ticket["subject"] == "VPN is down for the whole office"
    assert ticket["source"] == "slack"
    assert ticket["requester"]["slackUserId"] == "U0E2E"
    wait_for(event_snapshot.reference, lambda data: data.get("status") == "processed")


def test_a_hubspot_batch_is_verified_against_the_url_it_was_sent_to(team: Team, db: firestore.Client) -> None:
    secret = "e2e-hubspot-client-secret-value"
    created = create_integration(team, "rest", {"baseUrl": "https://api.hubapi.com", "webhookSecret": secret})
    url = f"{FUNCTIONS_URL}/webhook_hubspot/{team.team_id}/{created['id']}"
    event_id = uuid.uuid4().int % 10**12
    body = json.dumps(
        [
            {
                "eventId": event_id,
                "subscriptionType": "contact.propertyChange",
                "objectId": 4242,
                "propertyName": "email",
                "occurredAt": int(time.time() * 1000),
            }
        ]
    ).encode()
    timestamp = str(int(time.time() * 1000))
    signature = base64.b64encode(
        hmac.new(secret.encode(), b"POST" + url.encode() + body + timestamp.encode(), hashlib.sha256).digest()
    ).decode()

    answer = requests.post(
        url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-HubSpot-Signature-v3": signature,
            "X-HubSpot-Request-Timestamp": timestamp,
        },
        timeout=60,
    )

    assert answer.status_code == 200, answer.text
    item = wait_for(
        db.document(f"teams/{team.team_id}/syncInbox/hubspot_4242"), lambda data: data.get("pending") is True
    )
    assert item["webhookEventId"] == f"hubspot_{event_id}"
