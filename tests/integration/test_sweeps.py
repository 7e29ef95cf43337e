"""Scheduled jobs at scale against the real Firestore emulator: 3,000 due connections in pages of 100,
through the refresh sweep's paged fan-out (shared/sweeps.py), with a page killed midway, pages
delivered twice and the job run again in the same slot: every due connection is queued exactly once.
Cloud Tasks is a recording queue that refuses a repeated task id, as Cloud Tasks does."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from google.cloud import firestore

from shared.oauth.scheduler import REFRESH_SWEEP
from tests.support.sweeps import PageRunner
from tests.support.task_queue import DyingQueue, RecordingQueue, WorkerKilled

PAGE_SIZE = 100
TEAMS = 12
# Due because they expire within 15 minutes, because they were not refreshed for 24 hours, or both.
EXPIRING, IDLE, BOTH = 1_200, 1_200, 600
NOT_DUE = 400


def seed(db: firestore.Client, now: datetime) -> set[tuple[str, str]]:
    """Connections spread over teams, many sharing a timestamp (pages end inside runs of equal values);
    answers the due ones as (teamId, oauthId)."""
    fresh = {"status": "active", "expiresAt": now + timedelta(hours=1), "lastRefreshedAt": now}
    expiring = {"expiresAt": None, "lastRefreshedAt": now - timedelta(hours=1)}
    idle = {"expiresAt": now + timedelta(hours=2), "lastRefreshedAt": None}
    due: set[tuple[str, str]] = set()
    batch, in_batch = db.batch(), 0
    for number in range(EXPIRING + IDLE + BOTH + NOT_DUE):
        team_id, oauth_id = f"team-{number % TEAMS:02d}", f"c-{number:05d}"
        tie = timedelta(seconds=number % 4)
        if number < EXPIRING:
            body = {**fresh, **expiring, "expiresAt": now + timedelta(minutes=5) + tie}
        elif number < EXPIRING + IDLE:
            body = {**fresh, **idle, "lastRefreshedAt": now - timedelta(hours=30) + tie}
        elif number < EXPIRING + IDLE + BOTH:
            body = {**fresh, "expiresAt": now - tie, "lastRefreshedAt": now - timedelta(days=3)}
        elif number % 2:
            body = fresh
        else:  # due by its dates, but not active: never refreshed by the schedule
            body = {**fresh, "status": "needs_reauth", "expiresAt": now}
        if number < EXPIRING + IDLE + BOTH:
            due.add((team_id, oauth_id))
        batch.set(db.document(f"teams/{team_id}/oauthTokens/{oauth_id}"), body)
        in_batch += 1
        if in_batch == 500:
            batch.commit()
            batch, in_batch = db.batch(), 0
    batch.commit()
    return due


def queued_exactly_once(runner: PageRunner) -> set[tuple[str, str]]:
    """Every refresh task queued, checked to name each connection once."""
    counts = Counter((data["teamId"], data["oauthId"]) for data in runner.items())
    twice = [connection for connection, count in counts.items() if count > 1]
    assert not twice, f"queued more than once: {twice[:5]}"
    return set(counts)


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def due(db: firestore.Client, now: datetime) -> set[tuple[str, str]]:
    return seed(db, now)


def test_three_thousand_due_connections_are_queued_once_in_pages_of_100(
    due: set[tuple[str, str]], now: datetime
) -> None:
    runner = PageRunner(REFRESH_SWEEP, RecordingQueue())

    assert REFRESH_SWEEP.start(now, runner.queue, page_size=PAGE_SIZE) == 2  # one walk per source
    ran = runner.run_all()

    assert len(due) == 3_000
    assert queued_exactly_once(runner) == due
    # Each source is walked once, in full pages: no empty page is queued after the last one.
    pages_per_source = math.ceil((EXPIRING + BOTH) / PAGE_SIZE) + math.ceil((IDLE + BOTH) / PAGE_SIZE)
    assert ran == pages_per_source
    # The connections due for both reasons were offered twice and queued once.
    assert len(runner.queue.calls) == len(runner.queue.tasks) + BOTH


def test_a_killed_page_a_rerun_job_and_redelivered_pages_still_queue_each_connection_once(
    due: set[tuple[str, str]], now: datetime
) -> None:
    runner = PageRunner(REFRESH_SWEEP, RecordingQueue())
    REFRESH_SWEEP.start(now, runner.queue, page_size=PAGE_SIZE)
    for _ in range(7):
        runner.run_next()

    # The worker dies 40 connections into the eighth page; the job runs again in the same slot.
    with pytest.raises(WorkerKilled):
        runner.run_next(DyingQueue(runner.queue, survives=40))
    assert REFRESH_SWEEP.start(now + timedelta(seconds=20), runner.queue, page_size=PAGE_SIZE) == 0
    # Cloud Tasks retries the killed page, and the chain runs to its end.
    runner.run_all()
    # Then page tasks are delivered a second time: the first of each walk, the killed one, the last.
    pages = runner.pages()
    redelivered = [runner.run(page) for page in (pages[0], pages[1], pages[7], pages[-1])]

    assert queued_exactly_once(runner) == due
    assert [report.items for report in redelivered] == [PAGE_SIZE] * 4
    assert sum(report.queued for report in redelivered) == 0
