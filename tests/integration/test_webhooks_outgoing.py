"""Outgoing deliveries against real receivers on loopback and the real Firestore emulator: events from
changes, fan-out, signatures checked by an independent verifier, the retry schedule on a clock the test
moves, Retry-After, 410, timeouts, 5 failing days, redelivered tasks, secret rotation, one audit record
per attempt, and crashes: a worker process killed mid-attempt, a worker slower than its lease."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from functions import integrations_create, integrations_rotate_secret, request_logs_list
from shared import events
from shared.models.webhooks import DeliveryDoc, SubscriberKind
from shared.store import deliveries as delivery_store
from shared.webhooks import change_events, delivery, fanout
from tests.integration.conftest import ROOT, all_documents
from tests.support.callables import call
from tests.support.http_servers import Received, Reply, serving

pytestmark = pytest.mark.usefixtures("private_networks")


@dataclass
class Queue:
    """Stands in for Cloud Tasks: records what would be queued, refuses a repeated task id."""

    calls: list[tuple[str, dict[str, str], str, int | None]] = field(default_factory=list)

    def __call__(self, function: str, data: dict[str, str], task_id: str, delay: int | None = None) -> bool:
        if any(call_[2] == task_id for call_ in self.calls):
            return False
        self.calls.append((function, data, task_id, delay))
        return True

    @property
    def delays(self) -> list[int | None]:
        return [call_[3] for call_ in self.calls]


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


def verify(secret: str, received: Received) -> bool:
    """Standard Webhooks, from the specification, independently of the product."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = (
        f"{received.headers['webhook-id']}.{received.headers['webhook-timestamp']}.".encode() + received.body
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [part.split(",", 1)[1] for part in received.headers["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def webhook(team: str, url: str, events_: list[str] | None = None) -> dict[str, Any]:
    answer = call(
        integrations_create,
        {
            "teamId": team,
            "type": "webhook",
            "name": "Receiver",
            "config": {"url": url, "events": events_ or ["ticket.*"]},
        },
        uid="admin",
    )
    assert answer.status == 200, answer.body
    result: dict[str, Any] = answer.result
    return result


def one_delivery(team: str, event_id: str, queue: Queue) -> str:
    assert fanout.fan_out(team, event_id, enqueue=queue) == 1
    function, data, _task_id, delay = queue.calls[-1]
    assert (function, delay) == ("taskDeliverEvent", None)
    return data["deliveryId"]


def ticket_event(team: str, event_id: str = "evt_1", subject: str = "Printer on fire") -> str:
    events.emit(team, "ticket.created", {"id": "tkt_1", "subject": subject}, event_id=event_id)
    return event_id


# ------------------------------------------------------------------ events and fan-out


def test_changes_become_one_event_each(db: firestore.Client, team: str) -> None:
    created = change_events.emit_change(
        team, "ticket", "t1", None, {"subject": "A", "status": "open"}, "trigger-1"
    )
    again = change_events.emit_change(
        team, "ticket", "t1", None, {"subject": "A", "status": "open"}, "trigger-1"
    )
    resolved = change_events.emit_change(
        team,
        "ticket",
        "t1",
        {"subject": "A", "status": "open"},
        {"subject": "A", "status": "resolved"},
        "trigger-2",
    )
    updated = change_events.emit_change(
        team,
        "ticket",
        "t1",
        {"subject": "A", "status": "open"},
        {"subject": "B", "status": "open"},
        "trigger-3",
    )
    nothing = change_events.emit_change(
        team, "ticket", "t1", {"subject": "B", "updatedAt": 1}, {"subject": "B", "updatedAt": 2}, "trigger-4"
    )
    deleted = change_events.emit_change(team, "contact", "c1", {"email": "a@example.com"}, None, "trigger-5")
    commented = change_events.emit_comment(team, "t1", "m1", {"body": "hello"}, "trigger-6")

    assert (created, again, resolved, updated, nothing, deleted, commented) == (
        "ticket.created",
        "ticket.created",
        "ticket.resolved",
        "ticket.updated",
        None,
        "contact.deleted",
        "ticket.commented",
    )
    stored = {doc.id: doc.to_dict() for doc in db.collection(f"teams/{team}/events").stream()}
    assert len(stored) == 5  # the redelivered trigger made nothing new
    first = stored["evt_trigger-1"]
    assert first["type"] == "ticket.created"
    assert first["data"] == {"subject": "A", "status": "open", "id": "t1"}
    assert first["timestamp"].endswith("Z")


def test_fan_out_reaches_exactly_the_subscribers_and_is_idempotent(team: str) -> None:
    tickets = webhook(team, "https://tickets.example.com/hook", ["ticket.*"])
    everything = webhook(team, "https://all.example.com/hook", ["*"])
    webhook(team, "https://contacts.example.com/hook", ["contact.created"])
    queue = Queue()
    ticket_event(team)

    assert fanout.fan_out(team, "evt_1", enqueue=queue) == 2
    assert fanout.fan_out(team, "evt_1", enqueue=queue) == 0  # redelivered: same ids, nothing new

    targets = sorted(data["deliveryId"] for _, data, _, _ in queue.calls)
    assert targets == sorted(f"evt_1__webhook_{i['id']}" for i in (tickets, everything))


# ------------------------------------------------------------------ a delivery


def test_a_delivery_is_signed_and_recorded(team: str) -> None:
    with serving() as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)

        started = int(time.time())
        outcome = delivery.deliver(team, delivery_id, enqueue=queue)
        finished = int(time.time())

    assert outcome == "succeeded"
    received = receiver.received[0]
    assert verify(integration["signingSecret"], received)
    assert received.headers["webhook-id"] == "evt_1"
    assert started <= int(received.headers["webhook-timestamp"]) <= finished
    assert json.loads(received.body) == {
        "type": "ticket.created",
        "timestamp": json.loads(received.body)["timestamp"],
        "data": {"id": "tkt_1", "subject": "Printer on fire"},
    }
    stored = delivery_store.get_delivery(team, delivery_id)
    assert stored is not None
    assert (stored.status.value, stored.attempt_count, stored.last_status_code) == ("succeeded", 1, 200)
    logs = call(request_logs_list, {"teamId": team, "integrationId": integration["id"]}, uid="member").result[
        "items"
    ]
    assert [(log["method"], log["statusCode"]) for log in logs] == [("POST", 200)]


def test_a_500_is_retried_on_schedule_then_succeeds(team: str) -> None:
    replies = iter([Reply(500, b"oops"), Reply(200, b"ok")])
    with serving(lambda _r: next(replies)) as receiver:
        webhook(team, f"{receiver.url}/hooks")
        queue, clock = Queue(), Clock()
        delivery_id = one_delivery(team, ticket_event(team), queue)

        first = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue)
        stored = delivery_store.get_delivery(team, delivery_id)
        clock.now += timedelta(seconds=5)
        second = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue)

    assert (first, second) == ("retrying", "succeeded")
    assert stored is not None
    assert stored.status.value == "retrying"
    assert stored.next_attempt_at is not None
    assert queue.delays == [None, 5]
    assert len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
    final = delivery_store.get_delivery(team, delivery_id)
    assert final is not None
    assert [attempt.status_code for attempt in final.attempts] == [500, 200]


def test_the_whole_schedule_then_failed(team: str) -> None:
    with serving(lambda _r: Reply(500, b"down")) as receiver:
        webhook(team, f"{receiver.url}/hooks")
        queue, clock = Queue(), Clock()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        outcomes = []
        for _ in range(delivery.MAX_ATTEMPTS):
            outcomes.append(delivery.deliver(team, delivery_id, clock=clock, enqueue=queue))
            clock.now += timedelta(seconds=queue.delays[-1] or 0)
        after = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue)

    assert outcomes == ["retrying"] * 7 + ["failed"]
    assert queue.delays[1:] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert after == "nothing to do"
    assert len(receiver.received) == 8


def test_retry_after_is_honoured(team: str) -> None:
    with serving(lambda _r: Reply(503, b"later", {"Retry-After": "120"})) as receiver:
        webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        assert delivery.deliver(team, delivery_id, enqueue=queue) == "retrying"
    assert queue.delays[-1] == 120


def test_410_disables_the_endpoint_and_says_so(db: firestore.Client, team: str) -> None:
    with serving(lambda _r: Reply(410, b"gone")) as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        assert delivery.deliver(team, delivery_id, enqueue=queue) == "gone"

    stored = db.document(f"teams/{team}/integrations/{integration['id']}").get().to_dict()
    assert (stored["enabled"], stored["status"]) == (False, "disabled")
    assert queue.delays == [None]  # no retry
    notices = [doc.to_dict() for doc in db.collection(f"teams/{team}/events").stream() if doc.id != "evt_1"]
    assert [(n["type"], n["data"]["id"]) for n in notices] == [("subscriber.disabled", integration["id"])]
    # A disabled endpoint gets no more deliveries.
    ticket_event(team, "evt_2")
    assert fanout.fan_out(team, "evt_2", enqueue=queue) == 0


def test_a_timeout_is_a_failure(team: str) -> None:
    with serving(lambda _r: Reply(200, b"late", delay_seconds=3)) as receiver:
        webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        assert delivery.deliver(team, delivery_id, enqueue=queue) == "retrying"
    stored = delivery_store.get_delivery(team, delivery_id)
    assert stored is not None
    assert stored.last_error == "the service did not answer in time"


@pytest.mark.parametrize("status", [302, 307, 308])
def test_a_redirect_is_a_failure_and_is_not_followed(team: str, status: int) -> None:
    """Standard Webhooks: a redirect answers nothing. The attempt fails (and is retried later), and the
    place it points to, a receiver that would answer 200, is never sent the payload."""
    with (
        serving() as elsewhere,
        serving(lambda _r: Reply(status, b"", {"Location": f"{elsewhere.url}/moved"})) as receiver,
    ):
        webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)

        outcome = delivery.deliver(team, delivery_id, enqueue=queue)

    assert elsewhere.received == []
    assert [request.path for request in receiver.received] == ["/hooks"]
    assert outcome == "retrying"


def test_an_endpoint_failing_for_five_days_is_disabled(db: firestore.Client, team: str) -> None:
    with serving(lambda _r: Reply(500, b"down")) as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        queue, clock = Queue(), Clock()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        assert delivery.deliver(team, delivery_id, clock=clock, enqueue=queue) == "retrying"
        ref = db.document(f"teams/{team}/integrations/{integration['id']}")
        assert ref.get().to_dict()["deliveryFailingSince"] is not None
        clock.now += timedelta(days=5, seconds=1)
        assert delivery.deliver(team, delivery_id, clock=clock, enqueue=queue) == "disabled"

    assert ref.get().to_dict()["enabled"] is False
    assert any(
        doc.to_dict()["type"] == "subscriber.disabled"
        for doc in db.collection(f"teams/{team}/events").stream()
    )


def test_a_success_clears_the_failing_streak(db: firestore.Client, team: str) -> None:
    replies = iter([Reply(500, b""), Reply(200, b"")])
    with serving(lambda _r: next(replies)) as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        delivery.deliver(team, delivery_id, enqueue=queue)
        delivery.deliver(team, delivery_id, enqueue=queue)
    assert (
        db.document(f"teams/{team}/integrations/{integration['id']}").get().to_dict()["deliveryFailingSince"]
        is None
    )


def test_a_redelivered_task_never_sends_twice(team: str) -> None:
    with serving() as receiver:
        webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        # Another worker claimed attempt 1 and is sending it: this copy of the task must stand back.
        assert delivery_store.claim_attempt(team, delivery_id, 1)
        assert delivery.deliver(team, delivery_id, enqueue=queue) == "already attempted"
    assert receiver.received == []


def test_a_rotated_secret_signs_alongside_the_old_one_for_a_day(team: str) -> None:
    with serving() as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        rotated = call(
            integrations_rotate_secret, {"teamId": team, "integrationId": integration["id"]}, uid="admin"
        ).result
        queue, clock = Queue(), Clock()
        delivery_id = one_delivery(team, ticket_event(team, "evt_1"), queue)
        delivery.deliver(team, delivery_id, clock=clock, enqueue=queue)
        clock.now += timedelta(hours=25)
        later_id = one_delivery(team, ticket_event(team, "evt_2"), queue)
        delivery.deliver(team, later_id, clock=clock, enqueue=queue)

    old, new = integration["signingSecret"], rotated["signingSecret"]
    assert old != new
    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split()) == 2
    assert verify(old, during)
    assert verify(new, during)
    assert len(after.headers["webhook-signature"].split()) == 1
    assert verify(new, after)
    assert not verify(old, after)


def test_a_deleted_subscriber_cancels_its_pending_delivery(db: firestore.Client, team: str) -> None:
    integration = webhook(team, "https://gone.example.com/hook")
    queue = Queue()
    delivery_id = one_delivery(team, ticket_event(team), queue)
    db.document(f"teams/{team}/integrations/{integration['id']}").delete()

    assert delivery.deliver(team, delivery_id, enqueue=queue) == "cancelled"
    stored = delivery_store.get_delivery(team, delivery_id)
    assert stored is not None
    assert stored.status.value == "cancelled"


# ------------------------------------------------------------------ audit records, crashes and races


def audit_records(db: firestore.Client, team: str) -> dict[str, dict[str, Any]]:
    return {doc.id: doc.to_dict() or {} for doc in db.collection(f"teams/{team}/integrationLogs").stream()}


def test_every_attempt_has_exactly_one_audit_record_also_when_the_send_fails(
    db: firestore.Client, team: str
) -> None:
    replies = iter([Reply(500, b"down"), Reply(200, b"late", delay_seconds=3), Reply(200, b"ok")])
    with serving(lambda _r: next(replies)) as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        outcomes = [delivery.deliver(team, delivery_id, enqueue=queue) for _ in range(3)]

    assert outcomes == ["retrying", "retrying", "succeeded"]
    records = audit_records(db, team)
    assert sorted(records) == [f"{delivery_id}~{attempt}" for attempt in (1, 2, 3)]
    assert [
        (records[f"{delivery_id}~{n}"]["statusCode"], records[f"{delivery_id}~{n}"]["error"])
        for n in (1, 2, 3)
    ] == [(500, "HTTP 500"), (None, "the service did not answer in time"), (200, None)]
    assert {record["integrationId"] for record in records.values()} == {integration["id"]}


def run_worker(project_id: str, team: str, delivery_id: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GCLOUD_PROJECT": project_id, "ALLOW_PRIVATE_NETWORKS": "true"}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests/support/delivery_worker.py"), team, delivery_id],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_worker_killed_after_sending_never_sends_again_and_its_attempt_is_recovered(
    db: firestore.Client, team: str, project_id: str
) -> None:
    """The worker process dies the moment its request arrives: sent, not recorded. The task delivered
    again sends nothing; the recovery, after the claim's lease, records the attempt as interrupted with
    its one audit record; attempt 2 then sends the event again under the same webhook-id."""
    worker: dict[str, subprocess.Popen[str]] = {}

    def kill_the_worker_then_answer(_request: Received) -> Reply:
        if len(receiver.received) == 1:
            worker["process"].kill()
            worker["process"].wait()
        return Reply(200, b"ok")

    with serving(kill_the_worker_then_answer) as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        queue, clock = Queue(), Clock()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        worker["process"] = run_worker(project_id, team, delivery_id)
        output, _ = worker["process"].communicate(timeout=60)
        killed = worker["process"].returncode

        redelivered = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue)
        sent_after_redelivery = len(receiver.received)
        function, data, _task_id, delay = queue.calls[-1]
        assert delay is not None
        clock.now += timedelta(seconds=delay)
        recovered = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue, attempt=1)
        recovered_again = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue, attempt=1)
        after_recovery = delivery_store.get_delivery(team, delivery_id)
        records_after_recovery = audit_records(db, team)
        clock.now += timedelta(seconds=5)
        second = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue, attempt=2)

    assert (killed, output) == (-signal.SIGKILL, "")
    assert (redelivered, sent_after_redelivery) == ("already attempted", 1)
    assert (function, data["attempt"]) == ("taskDeliverEvent", 1)
    assert delay > delivery.CLAIM_LEASE.total_seconds() - 60
    assert (recovered, recovered_again) == ("interrupted", "stale task")
    assert after_recovery is not None
    assert (after_recovery.status.value, after_recovery.attempt_count) == ("retrying", 1)
    assert [(a.attempt, a.status_code, a.error) for a in after_recovery.attempts] == [
        (1, None, delivery.INTERRUPTED)
    ]
    assert [
        (record["statusCode"], record["success"], record["error"], record["integrationId"])
        for record in records_after_recovery.values()
    ] == [(None, False, delivery.INTERRUPTED, integration["id"])]
    assert list(records_after_recovery) == [f"{delivery_id}~1"]
    # The next attempt was queued once, on the schedule, by the recovery (its redelivery found it queued).
    next_attempts = [call_ for call_ in queue.calls if call_[1].get("attempt") == 2]
    assert [call_[3] for call_ in next_attempts] == [5]
    assert second == "succeeded"
    assert len(receiver.received) == 2
    first_sent, second_sent = receiver.received
    assert first_sent.headers["webhook-id"] == second_sent.headers["webhook-id"] == "evt_1"
    assert sorted(audit_records(db, team)) == [f"{delivery_id}~1", f"{delivery_id}~2"]


def test_a_claim_whose_worker_died_before_sending_is_recovered_and_nothing_is_sent_twice(
    db: firestore.Client, team: str
) -> None:
    with serving() as receiver:
        webhook(team, f"{receiver.url}/hooks")
        queue, clock = Queue(), Clock()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        # A worker claimed attempt 1 and died before sending.
        assert delivery_store.claim_attempt(team, delivery_id, 1, clock.now)

        within_the_lease = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue)
        clock.now += delivery.CLAIM_LEASE
        after_the_lease = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue, attempt=1)
        clock.now += timedelta(seconds=5)
        second = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue, attempt=2)

    assert (within_the_lease, after_the_lease, second) == ("already attempted", "interrupted", "succeeded")
    assert len(receiver.received) == 1
    stored = delivery_store.get_delivery(team, delivery_id)
    assert stored is not None
    assert [(a.attempt, a.status_code) for a in stored.attempts] == [(1, None), (2, 200)]
    assert sorted(audit_records(db, team)) == [f"{delivery_id}~1", f"{delivery_id}~2"]


def test_a_worker_that_outlives_its_lease_loses_to_the_recovery_and_nothing_is_recorded_twice(
    db: firestore.Client, team: str
) -> None:
    """While the worker's request is in flight, the recovery (its clock past the lease) records the
    attempt as interrupted. The worker's batch then finds the claim changed and writes nothing but the
    real outcome into the attempt's one audit record."""
    queue, later = Queue(), Clock(datetime.now(UTC) + delivery.CLAIM_LEASE + timedelta(minutes=1))
    recovery: list[str] = []

    def recover_while_in_flight(_request: Received) -> Reply:
        recovery.append(delivery.deliver(team, delivery_id, clock=later, enqueue=queue, attempt=1))
        return Reply(200, b"ok")

    with serving(recover_while_in_flight) as receiver:
        webhook(team, f"{receiver.url}/hooks")
        delivery_id = one_delivery(team, ticket_event(team), queue)
        outcome = delivery.deliver(team, delivery_id, enqueue=queue)

    assert (recovery, outcome) == (["interrupted"], "superseded")
    assert len(receiver.received) == 1
    stored = delivery_store.get_delivery(team, delivery_id)
    assert stored is not None
    assert (stored.status.value, stored.attempt_count) == ("retrying", 1)
    assert [(a.attempt, a.error) for a in stored.attempts] == [(1, delivery.INTERRUPTED)]
    records = audit_records(db, team)
    assert list(records) == [f"{delivery_id}~1"]
    assert (records[f"{delivery_id}~1"]["statusCode"], records[f"{delivery_id}~1"]["success"]) == (200, True)


def test_a_task_delivered_again_after_its_attempt_was_recorded_queues_the_next_attempt_once(
    team: str,
) -> None:
    """Attempt 2 failed and was recorded, and the worker crashed before queueing attempt 3."""
    with serving(lambda _r: Reply(500, b"down")) as receiver:
        webhook(team, f"{receiver.url}/hooks")
        queue, clock = Queue(), Clock()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        assert delivery.deliver(team, delivery_id, clock=clock, enqueue=queue) == "retrying"
        clock.now += timedelta(seconds=5)

        def crash(*_args: object) -> bool:
            raise RuntimeError("the instance went away")

        with pytest.raises(RuntimeError):
            delivery.deliver(team, delivery_id, clock=clock, enqueue=crash, attempt=2)
        clock.now += timedelta(seconds=60)
        redelivered = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue, attempt=2)
        again = delivery.deliver(team, delivery_id, clock=clock, enqueue=queue, attempt=2)

    assert (redelivered, again) == ("stale task", "stale task")
    assert len(receiver.received) == 2
    third = [call_ for call_ in queue.calls if call_[1].get("attempt") == 3]
    # Queued once (the second asking has the same task id), for when the schedule says: 5 min after
    # attempt 2, of which a minute has passed.
    assert [call_[3] for call_ in third] == [240]


def test_a_subscriber_deleted_during_the_send_is_not_recreated_and_the_attempt_is_recorded(
    db: firestore.Client, team: str
) -> None:
    def delete_the_integration(_request: Received) -> Reply:
        db.document(f"teams/{team}/integrations/{integration['id']}").delete()
        return Reply(410, b"gone")

    with serving(delete_the_integration) as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        outcome = delivery.deliver(team, delivery_id, enqueue=queue)

    assert outcome == "gone"
    assert not db.document(f"teams/{team}/integrations/{integration['id']}").get().exists
    stored = delivery_store.get_delivery(team, delivery_id)
    assert stored is not None
    assert (stored.status.value, stored.last_status_code) == ("failed", 410)
    assert list(audit_records(db, team)) == [f"{delivery_id}~1"]
    notices = [doc.to_dict() for doc in db.collection(f"teams/{team}/events").stream() if doc.id != "evt_1"]
    assert [(n["type"], n["data"]["id"]) for n in notices] == [("subscriber.disabled", integration["id"])]


def test_a_second_disabling_on_the_same_day_keeps_the_first_notice(db: firestore.Client, team: str) -> None:
    with serving(lambda _r: Reply(410, b"gone")) as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        queue = Queue()
        delivery_id = one_delivery(team, ticket_event(team), queue)
        notice_id = f"subscriber.disabled-{integration['id']}-{datetime.now(UTC).date().isoformat()}"
        events.emit(team, "subscriber.disabled", {"id": integration["id"], "reason": "earlier"}, notice_id)
        outcome = delivery.deliver(team, delivery_id, enqueue=queue)

    assert outcome == "gone"
    stored = db.document(f"teams/{team}/integrations/{integration['id']}").get().to_dict() or {}
    assert (stored["enabled"], stored["status"]) == (False, "disabled")
    assert db.document(f"teams/{team}/events/{notice_id}").get().to_dict()["data"]["reason"] == "earlier"
    assert delivery_store.get_delivery(team, delivery_id).status.value == "failed"  # type: ignore[union-attr]


def test_a_task_for_a_delivery_that_does_not_exist_leaves_nothing_behind(
    db: firestore.Client, team: str
) -> None:
    webhook(team, "https://receiver.example.com/hooks")
    before = all_documents(db)

    outcome = delivery.deliver(team, "evt_9__webhook_nope", enqueue=Queue())

    assert outcome == "nothing to do"
    assert all_documents(db) == before


def test_a_delivery_whose_id_names_nothing_is_still_read_whole_and_made(team: str) -> None:
    """The read guesses the event and the subscriber from the fan-out's id scheme; a delivery with an
    id of another shape costs a second read and is delivered all the same."""
    with serving() as receiver:
        integration = webhook(team, f"{receiver.url}/hooks")
        now = datetime.now(UTC)
        assert delivery_store.create_delivery(
            DeliveryDoc(
                id="hand-made",
                team_id=team,
                event_id=ticket_event(team),
                event_type="ticket.created",
                subscriber_kind=SubscriberKind.WEBHOOK,
                integration_id=integration["id"],
                created_at=now,
                updated_at=now,
            )
        )
        outcome = delivery.deliver(team, "hand-made", enqueue=Queue())

    assert outcome == "succeeded"
    assert [received.headers["webhook-id"] for received in receiver.received] == ["evt_1"]
