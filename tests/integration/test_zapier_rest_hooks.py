"""Zapier REST hooks: subscribe, unsubscribe and sample list as plain HTTPS functions called in-process
with an API key, deliveries to a Zap's target on loopback, `410 Gone` dropping the subscription, and the
target URL kept sealed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, Response
from google.cloud import firestore

from functions import (
    api_keys_create,
    event_subscriptions_create,
    event_subscriptions_list,
    webhook_zapier_samples,
    webhook_zapier_subscribe,
    webhook_zapier_unsubscribe,
)
from shared import events, sealed
from shared.settings import reset_settings
from shared.store import paths
from shared.webhooks import delivery, fanout
from tests.integration.conftest import all_documents
from tests.support.callables import Answer, call
from tests.support.http_servers import LoopbackServer, Reply, serving
from tests.support.task_queue import RecordingQueue

_app = Flask("zapier-rest-hook-tests")

# The part of a Zap's target URL that makes it a secret (Zapier's hooks are bearer URLs).
HOOK_PATH = "/hooks/standard/4711/9f8e7d6c5b4a39281706f5e4d3c2b1a0/"


def http(
    function: Callable[..., Response],
    method: str = "POST",
    key: str | None = None,
    body: Any = None,
    query: str = "",
) -> Answer:
    """Run an HTTPS function on one request, as Zapier would send it."""
    headers = {"X-API-Key": key} if key is not None else {}
    data = json.dumps(body).encode() if body is not None else None
    with _app.test_request_context(
        f"/{query}",
        method=method,
        data=data,
        headers=headers,
        content_type="application/json" if data is not None else None,
    ):
        from flask import request

        response = function(request)
    return Answer(response.status_code, json.loads(response.get_data()))


def api_key(team: str, scopes: list[str]) -> str:
    answer = call(api_keys_create, {"teamId": team, "name": "Zapier", "scopes": scopes}, uid="admin")
    assert answer.status == 200, answer.body
    key: str = answer.result["key"]
    return key


@pytest.fixture
def webhooks_key(team: str) -> str:
    return api_key(team, ["webhooks:manage"])


@pytest.fixture
def tickets_key(team: str) -> str:
    return api_key(team, ["tickets:read"])


def subscribe(key: str, target_url: str, event: str = "ticket.created") -> Answer:
    return http(webhook_zapier_subscribe, key=key, body={"targetUrl": target_url, "event": event})


def subscription_documents(db: firestore.Client, team: str) -> dict[str, dict[str, Any]]:
    return {
        snapshot.id: snapshot.to_dict() or {}
        for snapshot in db.collection(paths.event_subscriptions(team)).stream()
    }


def deliver_event(team: str, event_type: str, data: dict[str, Any], event_id: str) -> tuple[str, str]:
    """Emit, fan out (one subscriber expected) and make the first attempt: (delivery id, outcome)."""
    assert events.emit(team, event_type, data, event_id=event_id)
    queue = RecordingQueue()
    assert fanout.fan_out(team, event_id, enqueue=queue) == 1
    delivery_id: str = queue.tasks[0].data["deliveryId"]
    return delivery_id, delivery.deliver(team, delivery_id, enqueue=queue)


def target(server: LoopbackServer) -> str:
    return f"{server.url}{HOOK_PATH}"


# ------------------------------------------------------------------ subscribe and deliver


@pytest.mark.usefixtures("private_networks")
def test_subscribe_then_an_event_reaches_the_zap(db: firestore.Client, team: str, webhooks_key: str) -> None:
    with serving(lambda _r: Reply(200, b'{"status": "success"}')) as zap:
        answer = subscribe(webhooks_key, target(zap))
        subscription_id = answer.body["id"]
        delivery_id, outcome = deliver_event(
            team, "ticket.created", {"id": "t1", "subject": "Printer on fire"}, "evt_zap_1"
        )

    assert answer.status == 201, answer.body
    assert answer.body == {"id": subscription_id, "event": "ticket.created"}
    stored = subscription_documents(db, team)[subscription_id]
    assert stored["kind"] == "zapier_rest_hook"
    assert stored["events"] == ["ticket.created"]
    assert stored["enabled"] is True
    assert stored["targetHint"] == "127.0.0.1/…"
    owner = paths.subscription_secrets(team, subscription_id)
    encrypted = (db.document(owner).get().to_dict() or {})["encrypted"]
    assert encrypted["targetUrl"] != target(zap)
    assert sealed.unseal(owner, encrypted) == {"targetUrl": target(zap)}

    assert outcome == "succeeded"
    assert delivery_id == f"evt_zap_1__zapier_rest_hook_{subscription_id}"
    (received,) = zap.received
    assert (received.method, received.path) == ("POST", HOOK_PATH)
    records = received.json()
    assert isinstance(records, list)
    assert len(records) == 1
    (record,) = records
    assert record["id"] == "t1"
    assert record["event"] == "ticket.created"
    assert record["subject"] == "Printer on fire"
    assert "timestamp" in record
    stored_delivery = db.document(paths.delivery(team, delivery_id)).get().to_dict() or {}
    assert (stored_delivery["status"], stored_delivery["attemptCount"]) == ("succeeded", 1)


@pytest.mark.usefixtures("private_networks")
def test_a_subscription_gets_only_its_event_type(db: firestore.Client, team: str, webhooks_key: str) -> None:
    with serving() as zap:
        assert subscribe(webhooks_key, target(zap), event="ticket.resolved").status == 201
        events.emit(team, "ticket.created", {"id": "t1"}, event_id="evt_other")
        queue = RecordingQueue()
        queued = fanout.fan_out(team, "evt_other", enqueue=queue)

    assert queued == 0
    assert queue.calls == []
    assert zap.received == []


@pytest.mark.usefixtures("private_networks")
def test_a_410_from_the_target_deletes_the_subscription(
    db: firestore.Client, team: str, webhooks_key: str
) -> None:
    with serving(lambda _r: Reply(410, b"gone")) as zap:
        subscription_id = subscribe(webhooks_key, target(zap)).body["id"]
        delivery_id, outcome = deliver_event(team, "ticket.created", {"id": "t1"}, "evt_zap_gone")

    assert outcome == "gone"
    assert len(zap.received) == 1
    documents = all_documents(db)
    assert f"teams/{team}/eventSubscriptions/{subscription_id}" not in documents
    assert paths.subscription_secrets(team, subscription_id) not in documents
    assert documents[paths.delivery(team, delivery_id)]["status"] == "failed"
    disabled = [
        body
        for path, body in documents.items()
        if path.startswith(f"teams/{team}/events/") and body.get("type") == "subscriber.disabled"
    ]
    assert len(disabled) == 1
    data = disabled[0]["data"]
    assert isinstance(data, dict)
    assert data["id"] == subscription_id
    assert data["kind"] == "subscription"
    assert data["type"] == "zapier_rest_hook"
    assert data["deliveryId"] == delivery_id


# ------------------------------------------------------------------ unsubscribe


@pytest.mark.usefixtures("private_networks")
def test_unsubscribe_removes_the_subscription_and_is_idempotent(
    db: firestore.Client, team: str, webhooks_key: str
) -> None:
    subscription_id = subscribe(webhooks_key, "http://127.0.0.1:9/hooks/1/").body["id"]

    first = http(webhook_zapier_unsubscribe, key=webhooks_key, body={"id": subscription_id})
    second = http(webhook_zapier_unsubscribe, key=webhooks_key, body={"id": subscription_id})

    assert (first.status, first.body) == (200, {"ok": True, "id": subscription_id})
    assert (second.status, second.body) == (200, {"ok": True, "id": subscription_id})
    documents = all_documents(db)
    assert f"teams/{team}/eventSubscriptions/{subscription_id}" not in documents
    assert paths.subscription_secrets(team, subscription_id) not in documents


@pytest.mark.usefixtures("private_networks")
def test_unsubscribe_by_delete_with_the_id_in_the_query(
    db: firestore.Client, team: str, webhooks_key: str
) -> None:
    subscription_id = subscribe(webhooks_key, "http://127.0.0.1:9/hooks/2/").body["id"]

    answer = http(
        webhook_zapier_unsubscribe, method="DELETE", key=webhooks_key, query=f"?id={subscription_id}"
    )

    assert (answer.status, answer.body) == (200, {"ok": True, "id": subscription_id})
    assert subscription_documents(db, team) == {}


def test_unsubscribe_leaves_an_eventbridge_destination_alone(
    db: firestore.Client, team: str, webhooks_key: str
) -> None:
    destination = call(
        event_subscriptions_create,
        {
            "teamId": team,
            "region": "us-east-1",
            "eventBusName": "helpdesk-bus",
            "events": ["ticket.*"],
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        },
        uid="admin",
    ).result

    answer = http(webhook_zapier_unsubscribe, key=webhooks_key, body={"id": destination["id"]})

    assert answer.status == 200
    assert list(subscription_documents(db, team)) == [destination["id"]]
    assert paths.subscription_secrets(team, destination["id"]) in all_documents(db)


# ------------------------------------------------------------------ samples


def test_samples_list_one_record_of_the_event_type(team: str, webhooks_key: str) -> None:
    answer = http(webhook_zapier_samples, method="GET", key=webhooks_key, query="?event=ticket.created")

    assert answer.status == 200, answer.body
    assert isinstance(answer.body, list)
    assert len(answer.body) == 1
    (sample,) = answer.body
    assert sample["event"] == "ticket.created"
    assert sample["id"]
    assert sample["subject"]
    assert sample["timestamp"]


def test_samples_of_an_unknown_event_type_are_refused(team: str, webhooks_key: str) -> None:
    answer = http(webhook_zapier_samples, method="GET", key=webhooks_key, query="?event=invoice.paid")

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == "event"


# ------------------------------------------------------------------ keys and input


ENDPOINTS = [
    (
        "subscribe",
        webhook_zapier_subscribe,
        "POST",
        {"targetUrl": "https://hooks.zapier.com/h/1", "event": "ticket.created"},
        "",
    ),
    ("unsubscribe", webhook_zapier_unsubscribe, "POST", {"id": "sub-1"}, ""),
    ("samples", webhook_zapier_samples, "GET", None, "?event=ticket.created"),
]


@pytest.mark.parametrize(
    ("name", "function", "method", "body", "query"), ENDPOINTS, ids=[endpoint[0] for endpoint in ENDPOINTS]
)
def test_keys_are_required_with_the_scope(
    db: firestore.Client,
    team: str,
    tickets_key: str,
    name: str,
    function: Callable[..., Response],
    method: str,
    body: Any,
    query: str,
) -> None:
    unknown_key = "jk_live_" + "A" * 44

    without = http(function, method=method, body=body, query=query)
    wrong_scope = http(function, method=method, key=tickets_key, body=body, query=query)
    unknown = http(function, method=method, key=unknown_key, body=body, query=query)
    malformed = http(function, method=method, key="not-a-key", body=body, query=query)

    assert (without.status, without.error["status"]) == (401, "UNAUTHENTICATED")
    assert (wrong_scope.status, wrong_scope.error["status"]) == (403, "PERMISSION_DENIED")
    assert (unknown.status, unknown.error["status"]) == (401, "UNAUTHENTICATED")
    assert (malformed.status, malformed.error["status"]) == (401, "UNAUTHENTICATED")
    assert subscription_documents(db, team) == {}


@pytest.mark.parametrize(
    ("name", "function", "method", "body", "query"), ENDPOINTS, ids=[endpoint[0] for endpoint in ENDPOINTS]
)
def test_a_key_of_only_whitespace_is_refused_as_unauthenticated(
    team: str, name: str, function: Callable[..., Response], method: str, body: Any, query: str
) -> None:
    """HTTP strips only spaces and tabs around a header value; a no-break space arrives as it was sent."""
    answer = http(function, method=method, key="\xa0", body=body, query=query)

    assert (answer.status, answer.error["status"]) == (401, "UNAUTHENTICATED")


def test_a_plain_http_target_is_refused_when_private_networks_are_not_allowed(
    db: firestore.Client, team: str, webhooks_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALLOW_PRIVATE_NETWORKS", raising=False)
    reset_settings()

    loopback = subscribe(webhooks_key, "http://127.0.0.1:8080/hooks/1/")
    public = subscribe(webhooks_key, "http://hooks.zapier.com/hooks/standard/1/")

    for answer in (loopback, public):
        assert answer.status == 400, answer.body
        assert answer.error["status"] == "INVALID_ARGUMENT"
        assert answer.error["details"]["field"] == "targetUrl"
    assert subscription_documents(db, team) == {}
    assert not [path for path in all_documents(db) if path.startswith(f"secrets/{team}/eventSubscriptions/")]


SUBSCRIBE_BAD_INPUT = [
    ("missing targetUrl", {"event": "ticket.created"}, "targetUrl"),
    ("missing event", {"targetUrl": "https://hooks.zapier.com/h/1"}, "event"),
    ("event of the wrong shape", {"targetUrl": "https://hooks.zapier.com/h/1", "event": "Ticket"}, "event"),
    ("event a list", {"targetUrl": "https://hooks.zapier.com/h/1", "event": ["ticket.created"]}, "event"),
    ("targetUrl not a URL", {"targetUrl": "hooks.zapier.com/h/1", "event": "ticket.created"}, "targetUrl"),
    (
        "targetUrl with credentials",
        {"targetUrl": "https://u:p@hooks.zapier.com/h/1", "event": "ticket.created"},
        "targetUrl",
    ),
    (
        "unknown field",
        {"targetUrl": "https://hooks.zapier.com/h/1", "event": "ticket.created", "secret": "s"},
        "secret",
    ),
    ("body a list", ["ticket.created"], "data"),
]


@pytest.mark.parametrize(
    ("case", "body", "field"), SUBSCRIBE_BAD_INPUT, ids=[case[0] for case in SUBSCRIBE_BAD_INPUT]
)
def test_subscribe_refuses_bad_input_naming_the_field(
    db: firestore.Client, team: str, webhooks_key: str, case: str, body: Any, field: str
) -> None:
    answer = http(webhook_zapier_subscribe, key=webhooks_key, body=body)

    assert answer.status == 400, answer.body
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == field
    assert subscription_documents(db, team) == {}


# ------------------------------------------------------------------ the target URL stays sealed


@pytest.mark.usefixtures("private_networks")
def test_the_target_url_is_never_stored_or_answered_in_plaintext(
    db: firestore.Client, team: str, webhooks_key: str
) -> None:
    with serving(lambda _r: Reply(200, b"ok")) as zap:
        subscription_id = subscribe(webhooks_key, target(zap)).body["id"]
        _, outcome = deliver_event(team, "ticket.created", {"id": "t1", "subject": "Hi"}, "evt_zap_sealed")
    listed = call(event_subscriptions_list, {"teamId": team}, uid="member")

    assert outcome == "succeeded"
    documents = repr(all_documents(db))
    assert target(zap) not in documents
    assert HOOK_PATH.strip("/") not in documents
    # The audit record keeps the scheme and host only.
    audit = [
        body for path, body in all_documents(db).items() if path.startswith(f"teams/{team}/integrationLogs/")
    ]
    assert [record["endpoint"] for record in audit] == [f"http://127.0.0.1:{zap.port}/***"]
    assert [record["integrationId"] for record in audit] == [f"subscription:{subscription_id}"]
    assert listed.status == 200, listed.body
    (item,) = listed.result["items"]
    assert item["id"] == subscription_id
    assert item["kind"] == "zapier_rest_hook"
    assert item["targetHint"] == "127.0.0.1/…"
    assert "targetUrl" not in item
    assert HOOK_PATH.strip("/") not in json.dumps(listed.body)
