"""Buffered usage counting with a fake writer: aggregation, retries, dropped keys, the flusher thread."""

from __future__ import annotations

import atexit
import io
import json
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.api_keys.usage import UsageBuffer, Writer
from tests.unit.fakes import RecordingWriter

T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
# Long enough that the background flusher never runs during a test that flushes by hand.
NEVER_SECONDS = 3600.0


@pytest.fixture
def buffers() -> Iterator[list[UsageBuffer]]:
    """Buffers made by a test; afterwards their flushers stop and nothing flushes at interpreter exit."""
    made: list[UsageBuffer] = []
    yield made
    for buffer in made:
        buffer.stop()
        atexit.unregister(buffer.flush)


def new_buffer(
    buffers: list[UsageBuffer], writer: Writer, flush_seconds: float = NEVER_SECONDS
) -> UsageBuffer:
    buffer = UsageBuffer(flush_seconds, writer=writer)
    buffers.append(buffer)
    return buffer


class FailingWriter:
    """Raises on the first `failures` calls, then records like RecordingWriter."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.recorder = RecordingWriter()

    def __call__(self, team_id: str, key_id: str, count: int, last_used: datetime) -> bool:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("firestore unavailable")
        return self.recorder(team_id, key_id, count, last_used)


def test_counts_aggregate_per_key_into_one_write_each(buffers: list[UsageBuffer]) -> None:
    writer = RecordingWriter()
    buffer = new_buffer(buffers, writer)
    for _ in range(5):
        buffer.record("team-a", "key-1", T0)
    for _ in range(3):
        buffer.record("team-a", "key-2", T0)
    buffer.record("team-b", "key-1", T0)

    written = buffer.flush()

    assert written == 9
    assert {(w.team_id, w.key_id): w.count for w in writer.writes} == {
        ("team-a", "key-1"): 5,
        ("team-a", "key-2"): 3,
        ("team-b", "key-1"): 1,
    }


def test_last_used_is_the_latest_time_whatever_the_order(buffers: list[UsageBuffer]) -> None:
    writer = RecordingWriter()
    buffer = new_buffer(buffers, writer)
    latest = T0 + timedelta(seconds=30)
    for when in (T0 + timedelta(seconds=10), latest, T0, T0 + timedelta(seconds=20)):
        buffer.record("team-a", "key-1", when)

    buffer.flush()

    assert [w.last_used for w in writer.writes] == [latest]


def test_counts_are_kept_apart_by_utc_day_and_written_oldest_first(buffers: list[UsageBuffer]) -> None:
    writer = RecordingWriter()
    buffer = new_buffer(buffers, writer)
    midnight = datetime(2030, 5, 2, tzinfo=UTC)
    before, after = midnight - timedelta(seconds=1), midnight + timedelta(seconds=1)
    # 23:30 the day before in UTC, written as 01:30 at UTC+2: the UTC day decides.
    local = (midnight - timedelta(minutes=30)).astimezone(timezone(timedelta(hours=2)))
    for when in (after, before, after, local):
        buffer.record("team-a", "key-1", when)

    assert buffer.flush() == 4

    assert [(w.count, w.last_used) for w in writer.writes] == [(2, before), (2, after)]


def test_a_flush_empties_the_buffer(buffers: list[UsageBuffer]) -> None:
    writer = RecordingWriter()
    buffer = new_buffer(buffers, writer)
    buffer.record("team-a", "key-1", T0)
    buffer.flush()

    second = buffer.flush()

    assert second == 0
    assert len(writer.writes) == 1


def test_a_flush_with_nothing_buffered_writes_nothing(buffers: list[UsageBuffer]) -> None:
    writer = RecordingWriter()
    buffer = new_buffer(buffers, writer)

    assert buffer.flush() == 0
    assert writer.writes == []


def test_a_failed_write_keeps_the_counts_for_the_next_flush(
    buffers: list[UsageBuffer], log_lines: io.StringIO
) -> None:
    writer = FailingWriter(failures=1)
    buffer = new_buffer(buffers, writer)
    for _ in range(4):
        buffer.record("team-a", "key-1", T0)

    first = buffer.flush()
    buffer.record("team-a", "key-1", T0 + timedelta(seconds=1))
    buffer.record("team-a", "key-1", T0 - timedelta(seconds=1))
    second = buffer.flush()

    assert first == 0
    assert second == 6
    assert [(w.count, w.last_used) for w in writer.recorder.writes] == [(6, T0 + timedelta(seconds=1))]
    warnings = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    assert [(w["severity"], w["keyId"], w["errorType"]) for w in warnings] == [
        ("WARNING", "key-1", "ConnectionError")
    ]


def test_repeated_failures_lose_nothing(buffers: list[UsageBuffer], log_lines: io.StringIO) -> None:
    writer = FailingWriter(failures=3)
    buffer = new_buffer(buffers, writer)
    total = 0
    for round_number in range(4):
        for _ in range(round_number + 1):
            buffer.record("team-a", "key-1", T0)
            total += 1
        buffer.flush()

    assert writer.recorder.total() == total == 10


def test_a_failing_key_does_not_hold_back_the_others(
    buffers: list[UsageBuffer], log_lines: io.StringIO
) -> None:
    recorder = RecordingWriter()

    def writer(team_id: str, key_id: str, count: int, last_used: datetime) -> bool:
        if key_id == "broken":
            raise TimeoutError("deadline exceeded")
        return recorder(team_id, key_id, count, last_used)

    buffer = new_buffer(buffers, writer)
    buffer.record("team-a", "broken", T0)
    buffer.record("team-a", "key-1", T0)
    buffer.record("team-a", "key-1", T0)

    assert buffer.flush() == 2
    assert [(w.key_id, w.count) for w in recorder.writes] == [("key-1", 2)]


def test_counts_of_a_deleted_key_are_dropped(buffers: list[UsageBuffer]) -> None:
    writer = RecordingWriter(answer=False)
    buffer = new_buffer(buffers, writer)
    for _ in range(3):
        buffer.record("team-a", "gone", T0)

    first = buffer.flush()
    second = buffer.flush()

    assert first == 0
    assert second == 0
    assert [w.count for w in writer.writes] == [3]


def test_concurrent_records_are_all_counted(buffers: list[UsageBuffer]) -> None:
    writer = RecordingWriter()
    buffer = new_buffer(buffers, writer)
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(500):
            buffer.record("team-a", "key-1", T0)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    # Flush while the others record: nothing may be lost between the swap and the writes.
    flushed = 0
    while any(thread.is_alive() for thread in threads):
        flushed += buffer.flush()
    for thread in threads:
        thread.join()
    flushed += buffer.flush()

    assert flushed == writer.total() == 4000


def test_the_background_thread_flushes_after_each_flush_seconds(buffers: list[UsageBuffer]) -> None:
    writer = RecordingWriter()
    asked: list[float] = []
    waiting = threading.Event()
    releases: queue.Queue[bool] = queue.Queue()

    def wait(seconds: float) -> bool:
        """The flusher's pause, ended by the test: False to flush, True to stop."""
        asked.append(seconds)
        waiting.set()
        return releases.get(timeout=30)

    buffer = UsageBuffer(2.5, writer=writer, wait=wait)
    buffers.append(buffer)
    buffer.record("team-a", "key-1", T0)
    assert waiting.wait(30), "the flusher never started"
    written_while_waiting = list(writer.writes)

    releases.put(False)
    assert writer.written.wait(30), "the flusher never wrote"
    releases.put(True)

    assert asked[0] == 2.5
    assert written_while_waiting == []
    assert [(w.key_id, w.count) for w in writer.writes] == [("key-1", 1)]


def test_stop_ends_the_background_thread(buffers: list[UsageBuffer]) -> None:
    writer = RecordingWriter()
    buffer = new_buffer(buffers, writer)  # its flusher waits an hour: only stop() can end the wait
    before = set(threading.enumerate())
    buffer.record("team-a", "key-1", T0)
    (flusher,) = set(threading.enumerate()) - before

    buffer.stop()
    flusher.join(timeout=30)
    buffer.record("team-a", "key-1", T0)

    assert not flusher.is_alive()
    # Nothing flushed in the background, before or after the stop: both counts are still buffered.
    assert writer.writes == []
    assert buffer.flush() == 2


def test_no_thread_starts_before_the_first_record(buffers: list[UsageBuffer]) -> None:
    before = set(threading.enumerate())

    new_buffer(buffers, RecordingWriter(), flush_seconds=0.05)

    assert set(threading.enumerate()) == before
