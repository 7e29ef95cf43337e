"""EventBridge destinations: created through the callable with sealed AWS credentials, events sent with
`PutEvents` to a bus moto serves (a rule forwards them to an SQS queue the test reads), failures retried
on the schedule, and bad input or a member refused with nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from google.cloud import firestore
from moto import mock_aws

from functions import event_subscriptions_create, event_subscriptions_delete, event_subscriptions_list
from shared import events, sealed
from shared.store import paths
from shared.webhooks import delivery, fanout
from tests.integration.conftest import all_documents
from tests.support.callables import Answer, call
from tests.support.task_queue import RecordingQueue

REGION = "us-east-1"
BUS = "helpdesk-bus"
SOURCE = "helpdesk.integrations"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def destination_input(team: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "teamId": team,
        "region": REGION,
        "eventBusName": BUS,
        "source": SOURCE,
        "events": ["ticket.*"],
        "accessKeyId": ACCESS_KEY_ID,
        "secretAccessKey": SECRET_ACCESS_KEY,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not ...}


def create_destination(team: str, uid: str = "admin", **changes: Any) -> Answer:
    return call(event_subscriptions_create, destination_input(team, **changes), uid=uid)


@dataclass
class Bus:
    """A moto event bus whose rule forwards every event of our source to an SQS queue."""

    sqs: Any
    queue_url: str

    def received(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        return [json.loads(message["Body"]) for message in answer.get("Messages", [])]


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def bus(aws: None) -> Bus:
    events_client = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    events_client.create_event_bus(Name=BUS)
    queue_url = sqs.create_queue(QueueName="helpdesk-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events_client.put_rule(
        Name="helpdesk-to-queue", EventBusName=BUS, EventPattern=json.dumps({"source": [SOURCE]})
    )
    events_client.put_targets(
        Rule="helpdesk-to-queue", EventBusName=BUS, Targets=[{"Id": "queue", "Arn": queue_arn}]
    )
    return Bus(sqs, queue_url)


def delivery_documents(db: firestore.Client, team: str) -> dict[str, dict[str, Any]]:
    return {
        snapshot.id: snapshot.to_dict() or {} for snapshot in db.collection(paths.deliveries(team)).stream()
    }


def audit_documents(db: firestore.Client, team: str) -> list[dict[str, Any]]:
    return [snapshot.to_dict() or {} for snapshot in db.collection(paths.integration_logs(team)).stream()]


def fan_out_one(team: str, event_id: str, queue: RecordingQueue) -> str:
    """Fan the event out; it must make exactly one delivery, whose id is answered."""
    assert fanout.fan_out(team, event_id, enqueue=queue) == 1
    (task,) = queue.tasks
    assert task.function_name == "taskDeliverEvent"
    assert task.data["teamId"] == team
    delivery_id: str = task.data["deliveryId"]
    return delivery_id


# ------------------------------------------------------------------ creating a destination


def test_create_seals_the_credentials_and_answers_none_of_them(db: firestore.Client, team: str) -> None:
    answer = create_destination(team)

    assert answer.status == 200, answer.body
    created = answer.result
    assert created["kind"] == "eventbridge"
    assert (created["region"], created["eventBusName"], created["source"]) == (REGION, BUS, SOURCE)
    assert created["events"] == ["ticket.*"]
    assert created["enabled"] is True
    assert created["targetHint"] == f"{BUS} in {REGION} as …MPLE"
    assert "secretAccessKey" not in created
    assert "accessKeyId" not in created
    assert SECRET_ACCESS_KEY not in json.dumps(answer.body)
    assert ACCESS_KEY_ID not in json.dumps(answer.body)

    documents = all_documents(db)
    assert f"teams/{team}/eventSubscriptions/{created['id']}" in documents
    assert SECRET_ACCESS_KEY not in repr(documents)
    assert ACCESS_KEY_ID not in repr(documents)
    owner = paths.subscription_secrets(team, created["id"])
    encrypted = documents[owner]["encrypted"]
    assert isinstance(encrypted, dict)
    assert set(encrypted) == {"accessKeyId", "secretAccessKey"}
    # Ciphertext that opens, for this owner, to what was sent.
    assert sealed.unseal(owner, encrypted) == {
        "accessKeyId": ACCESS_KEY_ID,
        "secretAccessKey": SECRET_ACCESS_KEY,
    }


# ------------------------------------------------------------------ delivering to the bus


def test_a_subscribed_event_reaches_the_bus(db: firestore.Client, team: str, bus: Bus) -> None:
    subscription_id = create_destination(team).result["id"]
    assert events.emit(team, "ticket.created", {"id": "t1", "subject": "Hi"}, event_id="evt_test_1")
    queue = RecordingQueue()

    delivery_id = fan_out_one(team, "evt_test_1", queue)
    outcome = delivery.deliver(team, delivery_id, enqueue=queue)
    messages = bus.received()

    assert outcome == "succeeded"
    assert delivery_id == f"evt_test_1__eventbridge_{subscription_id}"
    assert len(messages) == 1
    message = messages[0]
    assert message["detail-type"] == "ticket.created"
    assert message["source"] == SOURCE
    stored_event = db.document(paths.event(team, "evt_test_1")).get().to_dict() or {}
    assert message["detail"] == {
        "type": "ticket.created",
        "timestamp": stored_event["timestamp"],
        "data": {"id": "t1", "subject": "Hi"},
    }
    record = delivery_documents(db, team)[delivery_id]
    assert record["status"] == "succeeded"
    assert record["subscriberKind"] == "eventbridge"
    assert record["subscriptionId"] == subscription_id
    assert record["attemptCount"] == 1
    assert len(record["attempts"]) == 1
    assert record["attempts"][0]["statusCode"] == 200
    assert record["attempts"][0]["error"] is None
    assert record["succeededAt"] is not None
    # Only the fan-out's task: a success queues nothing more.
    assert len(queue.tasks) == 1

    (audit,) = audit_documents(db, team)
    assert audit["integrationId"] == f"subscription:{subscription_id}"
    assert audit["success"] is True
    assert audit["method"] == "POST"
    assert audit["endpoint"] == f"https://events.{REGION}.amazonaws.com/ PutEvents {BUS}"
    assert SECRET_ACCESS_KEY not in repr(audit)
    assert SECRET_ACCESS_KEY not in repr(all_documents(db))


def test_a_bus_that_does_not_exist_fails_the_attempt_and_schedules_the_next(
    db: firestore.Client, team: str, bus: Bus
) -> None:
    subscription_id = create_destination(team, eventBusName="no-such-bus").result["id"]
    events.emit(team, "ticket.created", {"id": "t1", "subject": "Hi"}, event_id="evt_test_1")
    queue = RecordingQueue()

    delivery_id = fan_out_one(team, "evt_test_1", queue)
    outcome = delivery.deliver(team, delivery_id, enqueue=queue)

    assert outcome == "retrying"
    assert bus.received() == []
    record = delivery_documents(db, team)[delivery_id]
    assert record["status"] == "retrying"
    assert record["attemptCount"] == 1
    assert record["nextAttemptAt"] is not None
    assert "ResourceNotFoundException" in record["lastError"]
    retry = queue.tasks[-1]
    assert (retry.function_name, retry.delay_seconds) == ("taskDeliverEvent", 5)
    assert retry.data == {"teamId": team, "deliveryId": delivery_id, "attempt": 2}
    (audit,) = audit_documents(db, team)
    assert audit["integrationId"] == f"subscription:{subscription_id}"
    assert audit["success"] is False
    assert SECRET_ACCESS_KEY not in repr(audit)


def test_an_event_type_not_subscribed_makes_no_delivery(db: firestore.Client, team: str, aws: None) -> None:
    create_destination(team)
    events.emit(team, "contact.created", {"id": "c1", "email": "ada@example.com"}, event_id="evt_contact")
    queue = RecordingQueue()

    assert fanout.fan_out(team, "evt_contact", enqueue=queue) == 0
    assert queue.calls == []
    assert delivery_documents(db, team) == {}


# ------------------------------------------------------------------ list and delete


def test_list_shows_the_destination_without_secrets(team: str) -> None:
    created = create_destination(team).result

    answer = call(event_subscriptions_list, {"teamId": team}, uid="member")

    assert answer.status == 200, answer.body
    (item,) = answer.result["items"]
    assert item["id"] == created["id"]
    assert item["kind"] == "eventbridge"
    assert item["eventBusName"] == BUS
    assert item["targetHint"] == created["targetHint"]
    assert "secretAccessKey" not in item
    assert "accessKeyId" not in item
    assert SECRET_ACCESS_KEY not in json.dumps(answer.body)
    assert ACCESS_KEY_ID not in json.dumps(answer.body)
    stranger = call(event_subscriptions_list, {"teamId": team}, uid="stranger")
    assert stranger.error["status"] == "PERMISSION_DENIED"


def test_delete_removes_the_destination_and_its_secrets(db: firestore.Client, team: str) -> None:
    subscription_id = create_destination(team).result["id"]
    kept_id = create_destination(team, eventBusName="other-bus").result["id"]
    reference = {"teamId": team, "subscriptionId": subscription_id}

    refused = call(event_subscriptions_delete, reference, uid="member")
    answer = call(event_subscriptions_delete, reference, uid="admin")
    again = call(event_subscriptions_delete, reference, uid="admin")

    assert refused.error["status"] == "PERMISSION_DENIED"
    assert answer.status == 200, answer.body
    assert [item["id"] for item in answer.result["items"]] == [kept_id]
    assert again.status == 200, again.body
    documents = all_documents(db)
    assert f"teams/{team}/eventSubscriptions/{subscription_id}" not in documents
    assert paths.subscription_secrets(team, subscription_id) not in documents
    assert f"teams/{team}/eventSubscriptions/{kept_id}" in documents
    assert paths.subscription_secrets(team, kept_id) in documents


# ------------------------------------------------------------------ refused


BAD_INPUT = [
    ("region not an AWS region", {"region": "mars"}, "region"),
    ("region in capitals", {"region": "US-EAST-1"}, "region"),
    ("missing region", {"region": ...}, "region"),
    ("access key id too short", {"accessKeyId": "AKIA123"}, "accessKeyId"),
    ("access key id in lower case", {"accessKeyId": "akiaiosfodnn7example"}, "accessKeyId"),
    ("missing access key id", {"accessKeyId": ...}, "accessKeyId"),
    ("secret access key too short", {"secretAccessKey": "short"}, "secretAccessKey"),
    ("missing secret access key", {"secretAccessKey": ...}, "secretAccessKey"),
    ("no events", {"events": []}, "events"),
    ("missing events", {"events": ...}, "events"),
    ("an event type of the wrong shape", {"events": ["Ticket Created"]}, "events[0]"),
    ("events a string", {"events": "ticket.*"}, "events"),
    ("bus name with a space", {"eventBusName": "my bus"}, "eventBusName"),
    ("empty bus name", {"eventBusName": ""}, "eventBusName"),
    ("source with a space", {"source": "help desk"}, "source"),
    ("unknown field", {"color": "blue"}, "color"),
    ("snake_case field", {"event_bus_name": BUS}, "event_bus_name"),
    ("a kind chosen by the caller", {"kind": "zapier_rest_hook"}, "kind"),
    ("missing teamId", {"teamId": ...}, "teamId"),
]


@pytest.mark.parametrize(("case", "changes", "field"), BAD_INPUT, ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    db: firestore.Client, team: str, case: str, changes: dict[str, Any], field: str
) -> None:
    before = all_documents(db)

    answer = create_destination(team, **changes)

    assert answer.status == 400, answer.body
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == field, answer.body
    assert SECRET_ACCESS_KEY not in json.dumps(answer.body)
    assert all_documents(db) == before


@pytest.mark.parametrize("uid", ["member", "stranger"])
def test_only_admins_create_destinations(db: firestore.Client, team: str, uid: str) -> None:
    before = all_documents(db)

    answer = create_destination(team, uid=uid)

    assert answer.error["status"] == "PERMISSION_DENIED"
    assert all_documents(db) == before
