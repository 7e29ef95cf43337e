"""The paged fan-out of scheduled jobs (shared/sweeps.py) over an in-memory due set: slots and ids,
the chain of pages, crashes at every point of a page, redeliveries, a due set changing under a retried
page; and every job_* function has its sweep in the local scheduler, on the same period. No Firestore."""

from __future__ import annotations

import importlib.util
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import functions
from shared import errors
from shared.models.sweeps import DueItem, PageTask
from shared.sweeps import Sweep
from tests.support.sweeps import PageRunner
from tests.support.task_queue import DyingQueue, RecordingQueue, WorkerKilled

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2027, 3, 14, 12, 0, 0, tzinfo=UTC)


def item(number: int, at: datetime = NOW - timedelta(minutes=1)) -> DueItem:
    return DueItem.model_validate({"at": at, "path": f"teams/team-{number % 7}/things/thing-{number:05d}"})


@dataclass
class DueSet:
    """A due set in index order, as the store's paged query answers it."""

    items: list[DueItem] = field(default_factory=list)
    reads: int = 0

    def __call__(self, scheduled_at: datetime, after: DueItem | None, limit: int) -> list[DueItem]:
        self.reads += 1
        ordered = sorted(self.items, key=lambda due: (due.at, due.path))
        due = [due for due in ordered if due.at <= scheduled_at]
        if after is not None:
            due = [entry for entry in due if (entry.at, entry.path) > (after.at, after.path)]
        return due[:limit]


def sweep_over(*sources: DueSet, page_size: int = 7) -> Sweep:
    return Sweep(
        name="things",
        every=timedelta(minutes=5),
        page_task="taskThingsPage",
        item_task="taskThing",
        sources={f"source-{index}": source for index, source in enumerate(sources)},
        item=lambda due: {"teamId": due.team_id, "thingId": due.document_id},
        page_size=page_size,
    )


def queued_once(runner: PageRunner) -> list[str]:
    """The things queued, each exactly once (a second task for one thing fails the test)."""
    things = [data["thingId"] for data in runner.items()]
    assert len(things) == len(set(things)), "a thing was queued twice"
    return sorted(things)


def names(*numbers: int) -> list[str]:
    return sorted(f"thing-{number:05d}" for number in numbers)


# --- slots and ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "slot"),
    [
        (datetime(2027, 3, 14, 12, 0, 0, tzinfo=UTC), "2027-03-14T12:00:00+00:00"),
        (datetime(2027, 3, 14, 12, 4, 59, 999_999, tzinfo=UTC), "2027-03-14T12:00:00+00:00"),
        (datetime(2027, 3, 14, 12, 5, 0, tzinfo=UTC), "2027-03-14T12:05:00+00:00"),
        (datetime(2027, 3, 14, 23, 59, 59, tzinfo=UTC), "2027-03-14T23:55:00+00:00"),
    ],
)
def test_the_slot_floors_to_the_period(at: datetime, slot: str) -> None:
    assert sweep_over(DueSet()).slot(at).isoformat() == slot


def test_two_runs_in_one_slot_queue_the_first_pages_once_and_the_next_slot_again() -> None:
    sweep, queue = sweep_over(DueSet(), DueSet()), RecordingQueue()

    first = sweep.start(NOW + timedelta(seconds=10), queue)
    again = sweep.start(NOW + timedelta(minutes=4), queue)
    next_slot = sweep.start(NOW + timedelta(minutes=5), queue)

    assert (first, again, next_slot) == (2, 0, 2)
    pages = [PageTask.model_validate(task.data) for task in queue.of("taskThingsPage")]
    assert [(page.source, page.after, page.page_size) for page in pages] == [
        ("source-0", None, 7),
        ("source-1", None, 7),
    ] * 2


def test_an_unknown_source_is_refused_naming_the_field() -> None:
    sweep = sweep_over(DueSet())
    task = PageTask.model_validate({"scheduledAt": NOW.isoformat(), "source": "elsewhere", "pageSize": 5})

    with pytest.raises(errors.InvalidArgument) as raised:
        sweep.run_page(task, RecordingQueue())

    assert raised.value.field == "source"


# --- the chain of pages ---------------------------------------------------------------------------


def test_every_due_item_is_queued_once_page_by_page() -> None:
    due = DueSet([item(number) for number in range(1000)])
    due.items.append(item(5000, at=NOW + timedelta(minutes=1)))  # not due yet
    runner = PageRunner(sweep_over(due), RecordingQueue())

    runner.sweep.start(NOW, runner.queue)
    ran = runner.run_all()

    assert queued_once(runner) == names(*range(1000))
    assert ran == math.ceil(1000 / 7)
    assert len(runner.queue.of("taskThing")) == 1000


def test_a_page_queues_the_next_page_before_its_items() -> None:
    runner = PageRunner(sweep_over(DueSet([item(number) for number in range(20)])), RecordingQueue())
    runner.sweep.start(NOW, runner.queue)

    runner.run_next()

    functions_called = [task.function_name for task in runner.queue.calls]
    assert functions_called == ["taskThingsPage", "taskThingsPage"] + ["taskThing"] * 7


def test_the_last_page_queues_no_empty_page_after_it() -> None:
    runner = PageRunner(sweep_over(DueSet([item(number) for number in range(14)])), RecordingQueue())
    runner.sweep.start(NOW, runner.queue)

    assert runner.run_all() == 2
    assert len(runner.pages()) == 2


def test_two_sources_share_item_ids_so_an_item_due_twice_is_queued_once() -> None:
    expiring = DueSet([item(number) for number in range(0, 30)])
    idle = DueSet([item(number, at=NOW - timedelta(days=2)) for number in range(20, 50)])
    runner = PageRunner(sweep_over(expiring, idle), RecordingQueue())

    runner.sweep.start(NOW, runner.queue)
    runner.run_all()

    assert queued_once(runner) == names(*range(50))


# --- crashes and redeliveries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "survives",
    [0, 1, 2, 5, 7],
    ids=["before the next page", "after the next page", "after one item", "mid-page", "before the last item"],
)
def test_a_page_killed_at_any_point_and_retried_queues_each_item_once(survives: int) -> None:
    runner = PageRunner(sweep_over(DueSet([item(number) for number in range(100)])), RecordingQueue())
    runner.sweep.start(NOW, runner.queue)
    runner.run_next()
    runner.run_next()

    with pytest.raises(WorkerKilled):
        runner.run_next(DyingQueue(runner.queue, survives))
    runner.run_all()  # Cloud Tasks retries the killed page, and the chain goes on

    assert queued_once(runner) == names(*range(100))


def test_every_page_delivered_twice_and_the_job_run_again_queue_nothing_new() -> None:
    runner = PageRunner(sweep_over(DueSet([item(number) for number in range(100)])), RecordingQueue())
    runner.sweep.start(NOW, runner.queue)
    runner.run_all()
    queued = len(runner.queue.tasks)

    reports = [runner.run(page) for page in runner.pages()]
    runner.sweep.start(NOW + timedelta(seconds=30), runner.queue)

    assert len(runner.queue.tasks) == queued
    assert sum(report.queued for report in reports) == 0
    assert queued_once(runner) == names(*range(100))


def test_a_page_retried_after_the_due_set_changed_skips_nothing_and_doubles_nothing() -> None:
    due = DueSet([item(number) for number in range(60)])
    runner = PageRunner(sweep_over(due), RecordingQueue())
    runner.sweep.start(NOW, runner.queue)
    runner.run_next()
    with pytest.raises(WorkerKilled):
        runner.run_next(DyingQueue(runner.queue, 3))  # the next page and two items queued
    # Before the retry, two items of that page leave the due set (refreshed elsewhere) and one joins it.
    done = {"thing-00007", "thing-00008", "thing-00010"}
    due.items = [entry for entry in due.items if entry.document_id not in done] + [item(7_000)]
    runner.run_all()

    things = queued_once(runner)
    assert set(things) >= set(names(*range(60))) - done | {"thing-07000"}
    assert set(things) <= set(names(*range(60), 7_000))


# --- the jobs that use it -------------------------------------------------------------------------


def load_local_scheduler() -> object:
    spec = importlib.util.spec_from_file_location("local_scheduler", ROOT / "tools/local_scheduler.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_local_scheduler_runs_every_job_on_its_deployed_schedule() -> None:
    jobs: dict[str, Sweep] = load_local_scheduler().scheduled_jobs()  # type: ignore[attr-defined]

    assert sorted(jobs) == sorted(name for name in functions.__all__ if name.startswith("job_"))
    for name, sweep in jobs.items():
        trigger = getattr(functions, name).__firebase_endpoint__.scheduleTrigger
        minutes = int(sweep.every.total_seconds() // 60)
        assert trigger["schedule"] == f"every {minutes} minutes", name
        # The sweep's tasks are deployed functions too.
        assert sweep.page_task in functions.__all__, name
        assert sweep.item_task in functions.__all__, name


def test_every_due_query_of_every_job_has_its_collection_group_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator serves any query; production refuses one without its composite index."""
    from shared.store import paging

    asked: set[tuple[str, ...]] = set()

    def due_page(
        group: str,
        field: str,
        due_by: datetime,
        after: DueItem | None,
        limit: int,
        equal: tuple[str, object] | None = None,
        since: datetime | None = None,
    ) -> list[DueItem]:
        asked.add((group, *([equal[0]] if equal else []), field))
        return []

    monkeypatch.setattr(paging, "due_page", due_page)
    for sweep in load_local_scheduler().scheduled_jobs().values():  # type: ignore[attr-defined]
        for source in sweep.sources:
            task = PageTask.model_validate({"scheduledAt": NOW.isoformat(), "source": source, "pageSize": 5})
            sweep.run_page(task, RecordingQueue())
    indexes = json.loads((ROOT / "firestore.indexes.json").read_text())["indexes"]
    declared = {
        (index["collectionGroup"], *(field["fieldPath"] for field in index["fields"]))
        for index in indexes
        if index["queryScope"] == "COLLECTION_GROUP"
        and all(field.get("order") == "ASCENDING" for field in index["fields"])
    }

    assert asked == {
        ("oauthTokens", "status", "expiresAt"),
        ("oauthTokens", "status", "lastRefreshedAt"),
        ("events", "fanoutPending", "createdAt"),
        ("syncConfigs", "enabled", "nextRunAt"),
        ("reports", "scheduled", "schedule.nextRunAt"),
    }
    assert asked <= declared
