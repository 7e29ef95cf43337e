"""Fan-out crash recovery against the real Firestore emulator: a fan-out killed after its first
subscriber leaves the event pending; the recovery sweep (5 minutes on, paged, one task per event)
completes the rest exactly once and never doubles what the dead fan-out had done."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from functions import integrations_create
from shared import events
from shared.webhooks import fanout, recovery
from shared.webhooks.recovery import FANOUT_RECOVERY_SWEEP, FanOutTask
from tests.support.callables import call
from tests.support.sweeps import PageRunner
from tests.support.task_queue import DyingQueue, RecordingQueue, WorkerKilled

pytestmark = pytest.mark.usefixtures("private_networks")

SUBSCRIBERS = 3


@pytest.fixture
def receivers(team: str) -> list[str]:
    """Three webhook integrations taking every ticket event; their ids."""
    ids = []
    for number in range(SUBSCRIBERS):
        answer = call(
            integrations_create,
            {
                "teamId": team,
                "type": "webhook",
                "name": f"Receiver {number}",
                "config": {"url": f"https://receiver-{number}.example.com/hook", "events": ["ticket.*"]},
            },
            uid="admin",
        )
        assert answer.status == 200, answer.body
        ids.append(answer.result["id"])
    return ids


def ticket_event(team: str, event_id: str) -> None:
    assert events.emit(team, "ticket.created", {"id": event_id, "subject": "Printer on fire"}, event_id)


def sweep(runner: PageRunner, at: datetime, page_size: int = 7) -> list[dict[str, Any]]:
    """One tick of the recovery job and all its pages; the fan-out tasks this tick queued."""
    before = len(runner.items())
    FANOUT_RECOVERY_SWEEP.start(at, runner.queue, page_size=page_size)
    runner.run_all()
    return runner.items()[before:]


def delivery_tasks(queue: RecordingQueue) -> Counter[str]:
    return Counter(task.data["deliveryId"] for task in queue.of("taskDeliverEvent"))


@pytest.mark.parametrize(
    "survives",
    [0, 1],
    ids=["killed before the first task was queued", "killed after the first subscriber"],
)
def test_the_sweep_completes_a_killed_fan_out_exactly_once(
    db: firestore.Client, team: str, receivers: list[str], survives: int
) -> None:
    queue, now = RecordingQueue(), datetime.now(UTC)
    ticket_event(team, "evt_1")

    with pytest.raises(WorkerKilled):
        fanout.fan_out(team, "evt_1", enqueue=DyingQueue(queue, survives))
    first = list(delivery_tasks(queue))
    assert len(first) == survives
    event = db.document(f"teams/{team}/events/evt_1")
    assert event.get().get("fanoutPending") is True

    runner = PageRunner(FANOUT_RECOVERY_SWEEP, queue)
    assert sweep(runner, now) == []  # within 5 minutes: the fan-out may still be running
    refan = sweep(runner, now + timedelta(minutes=6))
    assert refan == [{"teamId": team, "eventId": "evt_1"}]
    assert recovery.run_fan_out(FanOutTask.model_validate(refan[0]), queue) == SUBSCRIBERS - survives

    expected = sorted(f"evt_1__webhook_{integration_id}" for integration_id in receivers)
    stored = sorted(doc.id for doc in db.collection(f"teams/{team}/deliveries").stream())
    assert stored == expected
    assert delivery_tasks(queue) == dict.fromkeys(expected, 1)
    # What the dead fan-out had queued was offered again and refused, not queued a second time.
    offered = Counter(
        task.data["deliveryId"] for task in queue.calls if task.function_name == "taskDeliverEvent"
    )
    assert [offered[delivery_id] for delivery_id in first] == [2] * survives
    assert event.get().get("fanoutPending") is False
    assert event.get().get("fanoutCompletedAt") is not None

    # Done: later ticks find nothing, and a redelivered fan-out task queues nothing.
    assert sweep(runner, now + timedelta(minutes=11)) == []
    assert recovery.run_fan_out(FanOutTask.model_validate(refan[0]), queue) == 0
    assert delivery_tasks(queue) == dict.fromkeys(expected, 1)


def test_only_events_left_pending_for_five_minutes_and_less_than_a_day_are_fanned_out_again(
    db: firestore.Client, team: str, receivers: list[str]
) -> None:
    queue, now = RecordingQueue(), datetime.now(UTC)
    killed = []
    for number in range(30):
        event_id = f"evt_{number:02d}"
        ticket_event(team, event_id)
        if number % 3 == 0:
            fanout.fan_out(team, event_id, enqueue=queue)  # completed
            continue
        with pytest.raises(WorkerKilled):
            fanout.fan_out(team, event_id, enqueue=DyingQueue(queue, number % 3 - 1))
        killed.append(event_id)
    # A killed fan-out of an event created just now: too recent for this tick.
    ticket_event(team, "evt_recent")
    with pytest.raises(WorkerKilled):
        fanout.fan_out(team, "evt_recent", enqueue=DyingQueue(queue, 1))
    db.document(f"teams/{team}/events/evt_recent").update({"createdAt": now + timedelta(minutes=3)})
    # And one left pending for more than a day: given up.
    ticket_event(team, "evt_old")
    with pytest.raises(WorkerKilled):
        fanout.fan_out(team, "evt_old", enqueue=DyingQueue(queue, 1))
    db.document(f"teams/{team}/events/evt_old").update({"createdAt": now - timedelta(days=1, minutes=1)})

    runner = PageRunner(FANOUT_RECOVERY_SWEEP, queue)
    refan = sweep(runner, now + timedelta(minutes=6))
    for data in refan:
        recovery.run_fan_out(FanOutTask.model_validate(data), queue)

    assert sorted(data["eventId"] for data in refan) == killed
    assert runner.ran == 3  # 20 events in pages of 7
    tasks = delivery_tasks(queue)
    assert set(tasks.values()) == {1}
    fanned_out = {delivery_id.split("__")[0] for delivery_id in tasks}
    assert fanned_out == {f"evt_{number:02d}" for number in range(30)} | {"evt_recent", "evt_old"}
    assert len(tasks) == 30 * SUBSCRIBERS + 2
    pending = [doc.id for doc in db.collection(f"teams/{team}/events").stream() if doc.get("fanoutPending")]
    assert sorted(pending) == ["evt_old", "evt_recent"]
