"""Scheduled jobs at scale: how fast the paged fan-out queues a due set, as ratios in one run.

    venv/bin/python bench/sweeps.py [--items 3000] [--rounds 3]

3,000 due OAuth connections (and 500 that are not due) in one Firestore emulator. Cloud Tasks is a
fake queue that records task ids and refuses repeats, so what is measured is our side: the job, every
page task (one indexed page query, the next page's task, the items' tasks) run one after another in
this process. The baseline is the sweep as it was: both due queries streamed whole, one task per
connection. Medians of `--rounds` interleaved runs, each on a fresh emulator project.

The Firestore emulator scans a whole collection group for every query (docs/local-stack.md), so a page
query here costs as much as the whole due set; in production it reads its page from the index.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ENCRYPTION_KEYS", "v1:" + "a" * 43 + "=")

from tests.support.firestore_emulator import FirestoreEmulator  # noqa: E402

NOT_DUE = 500


def seed(items: int, now: datetime) -> None:
    from shared.store.client import db

    batch, in_batch = db().batch(), 0
    for number in range(items + NOT_DUE):
        due = number < items
        body = {
            "status": "active",
            "expiresAt": now + (timedelta(minutes=5) if due and number % 2 else timedelta(hours=2)),
            "lastRefreshedAt": now - (timedelta(hours=30) if due and not number % 2 else timedelta(hours=1)),
        }
        batch.set(db().document(f"teams/team-{number % 20}/oauthTokens/c-{number:06d}"), body)
        in_batch += 1
        if in_batch == 500:
            batch.commit()
            batch, in_batch = db().batch(), 0
    batch.commit()


def fresh_project(items: int, now: datetime) -> None:
    from shared.store import client

    os.environ["GCLOUD_PROJECT"] = f"bench-sweeps-{uuid.uuid4().hex[:8]}"
    from shared.settings import reset_settings

    reset_settings()
    client.reset_client()
    seed(items, now)


def unpaged(now: datetime) -> int:
    """The sweep before paging: both due queries streamed whole in one invocation, one task each."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared import tasks
    from shared.oauth import tokens
    from shared.store.client import db
    from tests.support.task_queue import RecordingQueue

    group = db().collection_group("oauthTokens")
    active = FieldFilter("status", "==", "active")
    queries = (
        group.where(filter=active).where(filter=FieldFilter("expiresAt", "<=", now + tokens.REFRESH_AHEAD)),
        group.where(filter=active).where(
            filter=FieldFilter("lastRefreshedAt", "<=", now - tokens.REFRESH_AT_LEAST_EVERY)
        ),
    )
    queue = RecordingQueue()
    for query in queries:
        for snapshot in query.stream():
            team_id = snapshot.reference.parent.parent.id
            queue(
                "taskRefreshToken",
                {"teamId": team_id, "oauthId": snapshot.id},
                tasks.task_id("refresh", team_id, snapshot.id),
            )
    return len(queue.of("taskRefreshToken"))


def paged(now: datetime, page_size: int) -> int:
    from shared.oauth.scheduler import REFRESH_SWEEP
    from tests.support.sweeps import PageRunner
    from tests.support.task_queue import RecordingQueue

    runner = PageRunner(REFRESH_SWEEP, RecordingQueue())
    REFRESH_SWEEP.start(now, runner.queue, page_size=page_size)
    runner.run_all()
    return len(runner.items())


def timed(run: Callable[[], int], items: int) -> float:
    start = time.perf_counter()
    queued = run()
    elapsed = time.perf_counter() - start
    assert queued == items, (queued, items)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    items = arguments.items

    emulator = FirestoreEmulator(ROOT / "firestore.rules")
    emulator.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    try:
        from shared import log

        log.set_stream(open(os.devnull, "w"))  # noqa: SIM115 - one page log line each would swamp the output
        now = datetime.now(UTC)
        fresh_project(items, now)
        timed(lambda: unpaged(now), items)  # warm the emulator's JVM up first
        runs: dict[str, list[float]] = {"unpaged": [], "pages of 100": [], "pages of 200": []}
        for _ in range(arguments.rounds):
            fresh_project(items, now)
            runs["unpaged"].append(timed(lambda: unpaged(now), items))
            runs["pages of 100"].append(timed(lambda: paged(now, 100), items))
            runs["pages of 200"].append(timed(lambda: paged(now, 200), items))
    finally:
        emulator.stop()

    baseline = statistics.median(runs["unpaged"])
    print(f"{items:,} due connections (+{NOT_DUE} not due), fake queue, medians of {arguments.rounds} runs")
    print(f"{'how':<44} {'seconds':>8} {'items/s':>9} {'time vs baseline':>17}")
    labels = {
        "unpaged": "one invocation, both queries streamed (before)",
        "pages of 100": "paged fan-out, pages of 100",
        "pages of 200": "paged fan-out, pages of 200 (the default)",
    }
    for name, label in labels.items():
        seconds = statistics.median(runs[name])
        print(f"{label:<44} {seconds:>8.2f} {items / seconds:>9,.0f} {seconds / baseline:>16.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
