"""Crash safety: a worker process working a sync run is killed (SIGKILL, not an exception) after some
pages, or between a write at the CRM and the write here; the task is redelivered; the final state equals
an uninterrupted run's, with no duplicate on either side and nothing lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.cloud import firestore

from shared.models.sync import RunTrigger
from shared.settings import reset_settings
from shared.sync import runs
from tests.support.fake_crm import Call
from tests.support.fake_hubspot import FakeHubSpot
from tests.support.sync_harness import TOKEN, SyncHarness

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [
    {
        "email": f"crash{number}@example.com",
        "firstname": f"F{number}",
        "lastname": f"L{number}",
        "company": "Acme",
    }
    for number in range(1, 451)
]


@pytest.fixture
def hubspot(private_networks: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHubSpot]:
    monkeypatch.setenv("SYNC_REMOTE_LAG_SECONDS", "0")
    monkeypatch.setenv("SYNC_LOCAL_LAG_SECONDS", "0")
    reset_settings()
    with FakeHubSpot(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def harness(
    db: firestore.Client, team: str, hubspot: FakeHubSpot, monkeypatch: pytest.MonkeyPatch
) -> SyncHarness:
    return SyncHarness(db, team, hubspot.url, "hubspot").connect(monkeypatch)


def work_in_a_process_killed_when(
    project_id: str, task: dict[str, Any], hubspot: FakeHubSpot, kill_on: Any
) -> int:
    """Run the task in a worker process; kill it the moment `kill_on(call)` is true for a request the fake
    has answered (before the answer leaves). Answers the worker's exit status."""
    env = {**os.environ, "GCLOUD_PROJECT": project_id}
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/support/sync_worker.py"), json.dumps(task)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )

    def on_request(call: Call) -> None:
        if kill_on(call) and worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)

    hubspot.on_request = on_request
    try:
        worker.communicate(timeout=120)
    finally:
        hubspot.on_request = None
    return worker.returncode


def local_state(harness: SyncHarness) -> dict[str, tuple[Any, ...]]:
    return {
        data["email"]: (data.get("firstName"), data.get("lastName"), data.get("company"))
        for data in harness.contacts().values()
    }


def test_a_worker_killed_after_some_pages_of_a_first_pull_loses_nothing_and_doubles_nothing(
    project_id: str, harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    hubspot.add_many(PEOPLE)  # 5 list pages of 100
    harness.configure(syncDirection="pull")
    run_id, _ = runs.start(harness.team, harness.config_id, RunTrigger.MANUAL)
    [task] = harness.queue.of(runs.engine.RUN_TASK)
    pages_seen: list[Call] = []

    def third_page(call: Call) -> bool:
        if call.endpoint == "list" and call.query.get("archived") == ["false"]:
            pages_seen.append(call)
        return len(pages_seen) == 3

    status = work_in_a_process_killed_when(project_id, task.data, hubspot, third_page)
    partial = len(harness.contacts())
    runs.execute(runs.SyncTask.model_validate(task.data))  # Cloud Tasks redelivers the task

    assert status == -signal.SIGKILL
    assert 0 < partial < len(PEOPLE)
    run = harness.db.document(f"teams/{harness.team}/syncRuns/{run_id}").get().to_dict() or {}
    assert run["status"] == "succeeded", run
    expected = {
        person["email"]: (person["firstname"], person["lastname"], person["company"]) for person in PEOPLE
    }
    assert local_state(harness) == expected
    assert len(harness.contacts()) == len(PEOPLE)


def test_a_worker_killed_after_the_crm_wrote_but_before_we_did_creates_no_duplicate(
    project_id: str, harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    harness.configure()
    harness.run()
    for number in range(20):
        harness.write_contact(
            f"local{number}", {"email": f"local{number}@example.com", "firstName": f"N{number}"}
        )
    run_id, _ = runs.start(harness.team, harness.config_id, RunTrigger.MANUAL)
    task = harness.queue.of(runs.engine.RUN_TASK)[-1]

    status = work_in_a_process_killed_when(
        project_id, task.data, hubspot, lambda call: call.endpoint == "batch_upsert"
    )
    created_before_the_crash = len(hubspot.records())
    runs.execute(runs.SyncTask.model_validate(task.data))

    assert status == -signal.SIGKILL
    assert created_before_the_crash == 20  # the CRM applied the batch; the answer never came back
    emails = sorted(record["properties"]["email"] for record in hubspot.records())
    assert emails == sorted(f"local{number}@example.com" for number in range(20))
    links = {data["sync"][harness.config_id]["remoteId"] for data in harness.contacts().values()}
    assert len(links) == 20
    run = harness.db.document(f"teams/{harness.team}/syncRuns/{run_id}").get().to_dict() or {}
    assert run["status"] == "succeeded", run
