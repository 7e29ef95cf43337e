"""The console's side of outgoing deliveries: Slack and Zapier catch-hook deliveries, the delivery list
(newest first, filters, cursor pages), retrying a failed delivery, signing-secret rotation, and bad
input refused naming the field with nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Response
from google.cloud import firestore

from functions import (
    deliveries_list,
    deliveries_retry,
    event_subscriptions_delete,
    event_subscriptions_list,
    integrations_create,
    integrations_get,
    integrations_rotate_secret,
)
from shared import errors, events, tasks
from shared.auth import Caller
from shared.models.webhooks import DeliveryRef, DeliveryStatus
from shared.store import paths
from shared.webhooks import delivery, fanout, service
from tests.integration.conftest import all_documents
from tests.support.callables import Answer, call
from tests.support.http_servers import LoopbackServer, Received, Reply, serving
from tests.support.task_queue import QueuedTask, RecordingQueue

SLACK_PATH = "/services/T000/B000/XXXXXXXXXXXXXXXX"
ZAPIER_PATH = "/hooks/catch/123/abcdef/"


def create_integration(team: str, kind: str, config: dict[str, Any]) -> dict[str, Any]:
    answer = call(
        integrations_create,
        {"teamId": team, "type": kind, "name": f"Our {kind}", "config": config},
        uid="admin",
    )
    assert answer.status == 200, answer.body
    created: dict[str, Any] = answer.result
    return created


def emit_and_deliver(team: str, event_type: str, data: dict[str, Any], event_id: str) -> dict[str, str]:
    """Emit, fan out and make every delivery's first attempt: {delivery id: outcome}."""
    assert events.emit(team, event_type, data, event_id=event_id)
    queue = RecordingQueue()
    fanout.fan_out(team, event_id, enqueue=queue)
    delivery_ids = [task.data["deliveryId"] for task in queue.tasks]
    return {delivery_id: delivery.deliver(team, delivery_id, enqueue=queue) for delivery_id in delivery_ids}


def stored_event(db: firestore.Client, team: str, event_id: str) -> dict[str, Any]:
    return db.document(paths.event(team, event_id)).get().to_dict() or {}


# ------------------------------------------------------------------ Slack and Zapier catch hooks


@pytest.mark.usefixtures("private_networks")
def test_slack_gets_a_message_and_a_zapier_catch_hook_the_envelope(db: firestore.Client, team: str) -> None:
    with serving() as slack, serving(lambda _r: Reply(200, b'{"status": "success"}')) as zapier:
        slack_id = create_integration(
            team, "slack", {"webhookUrl": f"{slack.url}{SLACK_PATH}", "events": ["ticket.created"]}
        )["id"]
        zapier_id = create_integration(
            team, "zapier", {"hookUrl": f"{zapier.url}{ZAPIER_PATH}", "events": ["*"]}
        )["id"]
        ticket = emit_and_deliver(team, "ticket.created", {"id": "t1", "subject": "Printer on fire"}, "evt_1")
        contact = emit_and_deliver(team, "contact.created", {"id": "c1", "email": "ada@example.com"}, "evt_2")

    assert ticket == {f"evt_1__slack_{slack_id}": "succeeded", f"evt_1__zapier_hook_{zapier_id}": "succeeded"}
    # Slack subscribed to ticket.created only; the catch hook to everything.
    assert contact == {f"evt_2__zapier_hook_{zapier_id}": "succeeded"}

    (message,) = slack.received
    assert message.path == SLACK_PATH
    body = message.json()
    assert list(body) == ["text"]
    assert "Printer on fire" in body["text"]
    assert "t1" in body["text"]

    ticket_hook, contact_hook = zapier.received
    assert ticket_hook.path == ZAPIER_PATH
    assert ticket_hook.json() == {
        "type": "ticket.created",
        "timestamp": stored_event(db, team, "evt_1")["timestamp"],
        "data": {"id": "t1", "subject": "Printer on fire"},
    }
    assert contact_hook.json() == {
        "type": "contact.created",
        "timestamp": stored_event(db, team, "evt_2")["timestamp"],
        "data": {"id": "c1", "email": "ada@example.com"},
    }


# ------------------------------------------------------------------ the delivery list


@dataclass
class History:
    """Five deliveries over three events; the Zapier hook fails the ticket `t-fail` while `failing`."""

    slack_id: str
    zapier_id: str
    newest_first: list[str]
    failing_delivery: str
    zapier: LoopbackServer
    zapier_switch: dict[str, bool] = field(default_factory=lambda: {"failing": True})


@pytest.fixture
def history(private_networks: None, team: str) -> Iterator[History]:
    switch = {"failing": True}

    def zapier_responder(request: Received) -> Reply:
        if switch["failing"] and request.json()["data"]["id"] == "t-fail":
            return Reply(500, b"broken")
        return Reply(200, b"ok")

    with serving() as slack, serving(zapier_responder) as zapier:
        slack_id = create_integration(
            team, "slack", {"webhookUrl": f"{slack.url}{SLACK_PATH}", "events": ["ticket.created"]}
        )["id"]
        zapier_id = create_integration(
            team, "zapier", {"hookUrl": f"{zapier.url}{ZAPIER_PATH}", "events": ["*"]}
        )["id"]
        emit_and_deliver(team, "ticket.created", {"id": "t1", "subject": "First"}, "evt_1")
        emit_and_deliver(team, "contact.created", {"id": "c1"}, "evt_2")
        outcomes = emit_and_deliver(team, "ticket.created", {"id": "t-fail", "subject": "Third"}, "evt_3")
        failing = f"evt_3__zapier_hook_{zapier_id}"
        assert outcomes[failing] == "retrying"
        # Deliveries of one event share a creation time; the id breaks the tie, descending too.
        newest_first = [
            f"evt_3__zapier_hook_{zapier_id}",
            f"evt_3__slack_{slack_id}",
            f"evt_2__zapier_hook_{zapier_id}",
            f"evt_1__zapier_hook_{zapier_id}",
            f"evt_1__slack_{slack_id}",
        ]
        yield History(slack_id, zapier_id, newest_first, failing, zapier, switch)


def list_deliveries(team: str, uid: str = "member", **query: Any) -> Answer:
    return call(deliveries_list, {"teamId": team, **query}, uid=uid)


def test_the_list_is_newest_first_with_every_attempt(team: str, history: History) -> None:
    answer = list_deliveries(team)

    assert answer.status == 200, answer.body
    items = answer.result["items"]
    assert [item["id"] for item in items] == history.newest_first
    assert answer.result["nextCursor"] is None
    by_id = {item["id"]: item for item in items}
    failing = by_id[history.failing_delivery]
    assert failing["status"] == "retrying"
    assert failing["attemptCount"] == 1
    assert failing["lastStatusCode"] == 500
    assert failing["nextAttemptAt"] is not None
    (attempt,) = failing["attempts"]
    assert attempt["attempt"] == 1
    assert attempt["statusCode"] == 500
    assert attempt["error"] == "HTTP 500"
    assert attempt["at"]
    assert attempt["durationMs"] >= 0
    for delivery_id in history.newest_first[1:]:
        item = by_id[delivery_id]
        assert item["status"] == "succeeded"
        assert [(a["attempt"], a["statusCode"]) for a in item["attempts"]] == [(1, 200)]
        assert item["succeededAt"] is not None
    assert by_id[f"evt_2__zapier_hook_{history.zapier_id}"]["eventType"] == "contact.created"
    assert by_id[f"evt_1__slack_{history.slack_id}"]["subscriberKind"] == "slack"
    assert by_id[f"evt_1__slack_{history.slack_id}"]["integrationId"] == history.slack_id


def test_the_list_filters_by_status_and_integration(team: str, history: History) -> None:
    retrying = list_deliveries(team, status="retrying").result["items"]
    succeeded = list_deliveries(team, status="succeeded").result["items"]
    failed = list_deliveries(team, status="failed").result["items"]
    slack = list_deliveries(team, integrationId=history.slack_id).result["items"]
    zapier_ok = list_deliveries(team, integrationId=history.zapier_id, status="succeeded").result["items"]

    assert [item["id"] for item in retrying] == [history.failing_delivery]
    assert [item["id"] for item in succeeded] == history.newest_first[1:]
    assert failed == []
    assert [item["id"] for item in slack] == [
        f"evt_3__slack_{history.slack_id}",
        f"evt_1__slack_{history.slack_id}",
    ]
    assert [item["id"] for item in zapier_ok] == [
        f"evt_2__zapier_hook_{history.zapier_id}",
        f"evt_1__zapier_hook_{history.zapier_id}",
    ]


def pages(team: str, limit: int, **query: Any) -> list[list[str]]:
    found: list[list[str]] = []
    cursor: str | None = None
    while True:
        page_query = {**query, "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = list_deliveries(team, **page_query)
        assert answer.status == 200, answer.body
        found.append([item["id"] for item in answer.result["items"]])
        cursor = answer.result["nextCursor"]
        if cursor is None:
            return found
        assert len(found) < 10, "the cursor never ends"


def test_the_list_pages_with_a_cursor(team: str, history: History) -> None:
    all_pages = pages(team, limit=2)
    zapier_pages = pages(team, limit=1, integrationId=history.zapier_id)

    assert [len(page) for page in all_pages] == [2, 2, 1]
    assert [item for page in all_pages for item in page] == history.newest_first
    assert [item for page in zapier_pages for item in page] == [
        item for item in history.newest_first if "zapier_hook" in item
    ]
    assert len(zapier_pages) == 3


@pytest.mark.parametrize("uid", ["owner", "admin", "member"])
def test_members_list_deliveries(team: str, history: History, uid: str) -> None:
    assert list_deliveries(team, uid=uid).status == 200


def test_a_stranger_cannot_list_deliveries(team: str, history: History) -> None:
    answer = list_deliveries(team, uid="stranger")

    assert answer.error["status"] == "PERMISSION_DENIED"
    assert "items" not in json.dumps(answer.body)


# ------------------------------------------------------------------ retrying a delivery


def delivery_ref(team: str, delivery_id: str) -> DeliveryRef:
    return DeliveryRef.model_validate({"teamId": team, "deliveryId": delivery_id})


def test_retry_queues_an_attempt_now_and_the_attempt_can_succeed(
    db: firestore.Client, team: str, history: History
) -> None:
    delivery_id = history.failing_delivery
    db.document(paths.delivery(team, delivery_id)).update({"status": "failed", "nextAttemptAt": None})
    queue = RecordingQueue()

    retried = service.retry_delivery(Caller(uid="admin"), delivery_ref(team, delivery_id), enqueue=queue)
    again = service.retry_delivery(Caller(uid="admin"), delivery_ref(team, delivery_id), enqueue=queue)

    assert retried.status is DeliveryStatus.RETRYING
    assert retried.attempt_count == 1
    assert retried.next_attempt_at is not None
    assert abs(retried.next_attempt_at - datetime.now(UTC)) < timedelta(minutes=1)
    expected = QueuedTask(
        "taskDeliverEvent",
        {"teamId": team, "deliveryId": delivery_id, "attempt": 2},
        tasks.task_id(team, delivery_id, "2", "manual"),
        None,
    )
    # Asking twice queues one task: the id derives from the delivery and its next attempt.
    assert queue.calls == [expected, expected]
    assert queue.tasks == [expected]
    assert again.status is DeliveryStatus.RETRYING

    history.zapier_switch["failing"] = False
    outcome = delivery.deliver(team, delivery_id, enqueue=queue)

    assert outcome == "succeeded"
    stored = db.document(paths.delivery(team, delivery_id)).get().to_dict() or {}
    assert stored["status"] == "succeeded"
    assert stored["attemptCount"] == 2
    assert [(a["attempt"], a["statusCode"]) for a in stored["attempts"]] == [(1, 500), (2, 200)]


def test_after_a_manual_retry_the_attempt_already_scheduled_adds_none(
    db: firestore.Client, team: str, history: History
) -> None:
    """Attempt 1 failed and the schedule queued attempt 2 for 5 s later; an admin retries at once and
    that attempt fails too. When the scheduled task then runs, attempt 2 has been made: it sends nothing
    (taskDeliverEvent: "a redelivered task never sends twice"), and the schedule goes on from the manual
    attempt (its attempt-3 task)."""
    delivery_id = history.failing_delivery
    queue = RecordingQueue()
    service.retry_delivery(Caller(uid="admin"), delivery_ref(team, delivery_id), enqueue=queue)
    # Both tasks carry the attempt they were queued for (2); the manual one runs first.
    assert delivery.deliver(team, delivery_id, enqueue=queue, attempt=2) == "retrying"
    sent = len(history.zapier.received)

    stale = delivery.deliver(team, delivery_id, enqueue=queue, attempt=2)  # the scheduled attempt-2 task

    assert stale == "stale task"
    assert len(history.zapier.received) == sent
    stored = db.document(paths.delivery(team, delivery_id)).get().to_dict() or {}
    assert stored["attemptCount"] == 2


def test_retry_through_the_service_needs_an_admin(team: str, history: History) -> None:
    queue = RecordingQueue()

    with pytest.raises(errors.PermissionDenied):
        service.retry_delivery(
            Caller(uid="member"), delivery_ref(team, history.failing_delivery), enqueue=queue
        )

    assert queue.calls == []


def retry(team: str, delivery_id: str, uid: str) -> Answer:
    return call(deliveries_retry, {"teamId": team, "deliveryId": delivery_id}, uid=uid)


def test_retry_through_the_callable_is_refused_before_anything_is_queued(
    db: firestore.Client, team: str, history: History
) -> None:
    before = all_documents(db)

    member = retry(team, history.failing_delivery, "member")
    stranger = retry(team, history.failing_delivery, "stranger")
    unknown = retry(team, "evt_9__zapier_hook_nope", "admin")
    succeeded = retry(team, history.newest_first[1], "admin")
    signed_out = call(deliveries_retry, {"teamId": team, "deliveryId": history.failing_delivery})

    assert member.error["status"] == "PERMISSION_DENIED"
    assert stranger.error["status"] == "PERMISSION_DENIED"
    assert unknown.error["status"] == "NOT_FOUND"
    assert unknown.error["details"]["field"] == "deliveryId"
    assert succeeded.error["status"] == "FAILED_PRECONDITION"
    assert succeeded.error["details"]["field"] == "deliveryId"
    assert signed_out.error["status"] == "UNAUTHENTICATED"
    assert all_documents(db) == before


# ------------------------------------------------------------------ signing-secret rotation


def test_the_rotated_secret_is_answered_once(db: firestore.Client, team: str) -> None:
    created = create_integration(
        team, "webhook", {"url": "https://receiver.example.com/hooks", "events": ["ticket.created"]}
    )
    reference = {"teamId": team, "integrationId": created["id"]}

    answer = call(integrations_rotate_secret, reference, uid="admin")

    assert answer.status == 200, answer.body
    rotated = answer.result
    secret = rotated["signingSecret"]
    assert rotated["id"] == created["id"]
    assert secret.startswith("whsec_")
    assert secret != created["signingSecret"]
    expires_at = datetime.fromisoformat(rotated["previousSecretExpiresAt"])
    assert abs(expires_at - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
    later = call(integrations_get, reference, uid="member").result
    assert "signingSecret" not in later
    assert secret not in json.dumps(later)
    assert secret not in repr(all_documents(db))
    assert secret.removeprefix("whsec_") not in repr(all_documents(db))


def test_rotation_is_for_admins_and_webhook_integrations_only(db: firestore.Client, team: str) -> None:
    webhook = create_integration(
        team, "webhook", {"url": "https://receiver.example.com/hooks", "events": ["ticket.created"]}
    )
    zapier = create_integration(team, "zapier", {"hookUrl": "https://hooks.zapier.com/hooks/catch/1/2/"})
    before = all_documents(db)

    member = call(integrations_rotate_secret, {"teamId": team, "integrationId": webhook["id"]}, uid="member")
    not_webhook = call(
        integrations_rotate_secret, {"teamId": team, "integrationId": zapier["id"]}, uid="admin"
    )
    unknown = call(integrations_rotate_secret, {"teamId": team, "integrationId": "nope"}, uid="admin")

    assert member.error["status"] == "PERMISSION_DENIED"
    assert not_webhook.error["status"] == "FAILED_PRECONDITION"
    assert not_webhook.error["details"]["field"] == "integrationId"
    assert unknown.error["status"] == "NOT_FOUND"
    assert all_documents(db) == before


# ------------------------------------------------------------------ bad input

CallableFunction = Callable[..., Response]

GOOD_INPUT: dict[str, tuple[CallableFunction, dict[str, Any]]] = {
    "deliveries_list": (deliveries_list, {}),
    "deliveries_retry": (deliveries_retry, {"deliveryId": "evt_1__zapier_hook_abc"}),
    "integrations_rotate_secret": (integrations_rotate_secret, {"integrationId": "int-1"}),
    "event_subscriptions_list": (event_subscriptions_list, {}),
    "event_subscriptions_delete": (event_subscriptions_delete, {"subscriptionId": "sub-1"}),
}

# (case, function, changes over its good input (`...` leaves a field out), field named)
BAD_INPUT = [
    ("list: missing teamId", "deliveries_list", {"teamId": ...}, "teamId"),
    ("list: teamId not a string", "deliveries_list", {"teamId": 7}, "teamId"),
    ("list: unknown status", "deliveries_list", {"status": "done"}, "status"),
    ("list: status in capitals", "deliveries_list", {"status": "FAILED"}, "status"),
    ("list: status not a string", "deliveries_list", {"status": 3}, "status"),
    ("list: limit 0", "deliveries_list", {"limit": 0}, "limit"),
    ("list: limit 101", "deliveries_list", {"limit": 101}, "limit"),
    ("list: limit as text", "deliveries_list", {"limit": "5"}, "limit"),
    ("list: empty cursor", "deliveries_list", {"cursor": ""}, "cursor"),
    ("list: forged cursor", "deliveries_list", {"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
    ("list: 513-character cursor", "deliveries_list", {"cursor": "c" * 513}, "cursor"),
    ("list: integrationId with a slash", "deliveries_list", {"integrationId": "a/b"}, "integrationId"),
    ("list: unknown field", "deliveries_list", {"subscriberKind": "slack"}, "subscriberKind"),
    ("retry: missing deliveryId", "deliveries_retry", {"deliveryId": ...}, "deliveryId"),
    ("retry: empty deliveryId", "deliveries_retry", {"deliveryId": ""}, "deliveryId"),
    ("retry: deliveryId with a slash", "deliveries_retry", {"deliveryId": "a/b"}, "deliveryId"),
    ("retry: 401-character deliveryId", "deliveries_retry", {"deliveryId": "d" * 401}, "deliveryId"),
    ("retry: deliveryId not a string", "deliveries_retry", {"deliveryId": 5}, "deliveryId"),
    ("retry: missing teamId", "deliveries_retry", {"teamId": ...}, "teamId"),
    ("retry: unknown field", "deliveries_retry", {"force": True}, "force"),
    ("rotate: missing integrationId", "integrations_rotate_secret", {"integrationId": ...}, "integrationId"),
    (
        "rotate: integrationId not a string",
        "integrations_rotate_secret",
        {"integrationId": 7},
        "integrationId",
    ),
    (
        "rotate: integrationId with a slash",
        "integrations_rotate_secret",
        {"integrationId": "a/b"},
        "integrationId",
    ),
    (
        "rotate: a secret chosen by the caller",
        "integrations_rotate_secret",
        {"signingSecret": "whsec_x"},
        "signingSecret",
    ),
    ("subscriptions list: missing teamId", "event_subscriptions_list", {"teamId": ...}, "teamId"),
    ("subscriptions list: teamId not a string", "event_subscriptions_list", {"teamId": 42}, "teamId"),
    ("subscriptions list: unknown field", "event_subscriptions_list", {"kind": "eventbridge"}, "kind"),
    (
        "subscriptions delete: missing subscriptionId",
        "event_subscriptions_delete",
        {"subscriptionId": ...},
        "subscriptionId",
    ),
    (
        "subscriptions delete: empty subscriptionId",
        "event_subscriptions_delete",
        {"subscriptionId": ""},
        "subscriptionId",
    ),
    (
        "subscriptions delete: subscriptionId with a slash",
        "event_subscriptions_delete",
        {"subscriptionId": "a/b"},
        "subscriptionId",
    ),
    ("subscriptions delete: unknown field", "event_subscriptions_delete", {"purge": True}, "purge"),
]


@pytest.mark.parametrize(
    ("case", "function_name", "changes", "field"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    db: firestore.Client, team: str, case: str, function_name: str, changes: dict[str, Any], field: str
) -> None:
    function, good = GOOD_INPUT[function_name]
    data = {key: value for key, value in {"teamId": team, **good, **changes}.items() if value is not ...}
    before = all_documents(db)

    answer = call(function, data, uid="admin")

    assert answer.status == 400, answer.body
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == field, answer.body
    assert all_documents(db) == before


@pytest.mark.parametrize("function_name", list(GOOD_INPUT))
@pytest.mark.parametrize(
    "data", [["teamId"], "team-a", None, 7], ids=["a list", "a string", "null", "a number"]
)
def test_data_that_is_not_an_object_is_refused(
    db: firestore.Client, team: str, function_name: str, data: Any
) -> None:
    function, _ = GOOD_INPUT[function_name]
    before = all_documents(db)

    answer = call(function, data, uid="admin")

    assert answer.status == 400, answer.body
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == "data"
    assert all_documents(db) == before
