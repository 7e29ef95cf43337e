"""Through the emulator suite: writing a ticket reaches a local receiver as a signed delivery
(Firestore trigger -> event -> fan-out trigger -> Cloud Tasks emulator -> delivery task)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime

from google.cloud import firestore

from tests.e2e.conftest import Team, call_function
from tests.support.http_servers import serving


def test_writing_a_ticket_delivers_a_signed_event(team: Team, db: firestore.Client) -> None:
    with serving() as receiver:
        created = call_function(
            "integrations_create",
            {
                "teamId": team.team_id,
                "type": "webhook",
                "name": "Ticket receiver",
                "config": {"url": f"{receiver.url}/tickets", "events": ["ticket.created"]},
            },
            token=team.owner_token,
        )
        assert created.status == 200, created.body
        secret = created.result["signingSecret"]
        now = datetime.now(UTC)
        db.document(f"teams/{team.team_id}/tickets/e2e-1").set(
            {"subject": "The printer is on fire", "status": "open", "createdAt": now, "updatedAt": now}
        )

        deadline = time.monotonic() + 60
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.5)

    assert receiver.received, "no delivery arrived"
    delivery = receiver.received[0]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = (
        f"{delivery.headers['webhook-id']}.{delivery.headers['webhook-timestamp']}.".encode() + delivery.body
    )
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert expected in delivery.headers["webhook-signature"].split()
    body = delivery.json()
    assert body["type"] == "ticket.created"
    assert body["data"]["id"] == "e2e-1"
    assert body["data"]["subject"] == "The printer is on fire"

    listed = call_function("deliveries_list", {"teamId": team.team_id}, token=team.member_token)
    deadline = time.monotonic() + 20
    while listed.result["items"][0]["status"] != "succeeded" and time.monotonic() < deadline:
        time.sleep(0.5)
        listed = call_function("deliveries_list", {"teamId": team.team_id}, token=team.member_token)
    assert listed.result["items"][0]["status"] == "succeeded"
    assert listed.result["items"][0]["eventType"] == "ticket.created"
