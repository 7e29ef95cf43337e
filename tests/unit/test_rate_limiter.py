"""The fixed-window rate limiter over a fake atomic counter and a clock the test moves."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

from shared.api_keys.rate_limiter import COUNTER_RETENTION, Admission, RateLimiter
from shared.models.api_keys import RateLimit
from tests.unit.fakes import FakeClock, FakeCounter

WINDOW_MS = 60_000
# Not on a window boundary, so window arithmetic is exercised.
T0_MS = 1_700_000_123_456


def limiter_with(counter: FakeCounter, clock: FakeClock) -> RateLimiter:
    return RateLimiter(reserve=counter, clock_ms=clock)


def acquire_many(
    limiter: RateLimiter, limit: RateLimit, times: int, key_id: str = "key-1"
) -> list[Admission]:
    return [limiter.acquire("team-a", key_id, limit) for _ in range(times)]


def test_admits_exactly_the_limit_in_a_window_then_refuses() -> None:
    counter, clock = FakeCounter(), FakeClock(T0_MS)
    limiter = limiter_with(counter, clock)
    limit = RateLimit(requests=10, window=WINDOW_MS)

    admissions = acquire_many(limiter, limit, 25)

    assert [admission.admitted for admission in admissions] == [True] * 10 + [False] * 15


def test_a_refused_request_reports_nothing_remaining() -> None:
    limiter = limiter_with(FakeCounter(), FakeClock(T0_MS))
    limit = RateLimit(requests=3, window=WINDOW_MS)
    acquire_many(limiter, limit, 3)

    refused = limiter.acquire("team-a", "key-1", limit)

    assert not refused.admitted
    assert refused.remaining == 0


def test_remaining_counts_down_by_one_per_admission() -> None:
    limiter = limiter_with(FakeCounter(), FakeClock(T0_MS))
    limit = RateLimit(requests=50, window=WINDOW_MS)

    admissions = acquire_many(limiter, limit, 50)

    assert [admission.remaining for admission in admissions] == list(range(49, -1, -1))


def test_reset_is_the_end_of_the_current_window() -> None:
    clock = FakeClock(T0_MS)
    limiter = limiter_with(FakeCounter(), clock)
    limit = RateLimit(requests=5, window=WINDOW_MS)
    window_start = T0_MS - T0_MS % WINDOW_MS

    first = limiter.acquire("team-a", "key-1", limit)
    clock.advance(WINDOW_MS - T0_MS % WINDOW_MS - 1)
    last_moment = limiter.acquire("team-a", "key-1", limit)

    assert first.reset_ms == window_start + WINDOW_MS
    assert last_moment.reset_ms == window_start + WINDOW_MS
    assert first.reset_ms > T0_MS


def test_a_new_window_starts_fresh() -> None:
    counter, clock = FakeCounter(), FakeClock(T0_MS)
    limiter = limiter_with(counter, clock)
    limit = RateLimit(requests=4, window=WINDOW_MS)
    first_window = acquire_many(limiter, limit, 6)

    clock.now_ms = first_window[0].reset_ms
    second_window = acquire_many(limiter, limit, 6)

    assert [a.admitted for a in first_window] == [True] * 4 + [False] * 2
    assert [a.admitted for a in second_window] == [True] * 4 + [False] * 2
    assert second_window[0].remaining == 3
    assert second_window[0].reset_ms == first_window[0].reset_ms + WINDOW_MS


def test_the_counter_of_a_window_is_kept_a_day_past_its_end() -> None:
    counter, clock = FakeCounter(), FakeClock(T0_MS)
    limiter = limiter_with(counter, clock)
    limit = RateLimit(requests=4, window=WINDOW_MS)

    admission = limiter.acquire("team-a", "key-1", limit)

    window_start = T0_MS - T0_MS % WINDOW_MS
    assert set(counter.totals) == {("team-a", "key-1", window_start)}
    expected = datetime.fromtimestamp(admission.reset_ms / 1000, UTC) + COUNTER_RETENTION
    assert counter.expire_at[("team-a", "key-1", window_start)] == expected


def test_keys_have_separate_windows() -> None:
    limiter = limiter_with(FakeCounter(), FakeClock(T0_MS))
    limit = RateLimit(requests=2, window=WINDOW_MS)

    first_key = acquire_many(limiter, limit, 3, key_id="key-1")
    second_key = acquire_many(limiter, limit, 3, key_id="key-2")

    assert [a.admitted for a in first_key] == [True, True, False]
    assert [a.admitted for a in second_key] == [True, True, False]


def test_blocks_grow_so_a_big_limit_needs_few_reservations() -> None:
    counter = FakeCounter()
    limiter = limiter_with(counter, FakeClock(T0_MS))
    limit = RateLimit(requests=10_000, window=WINDOW_MS)

    admissions = acquire_many(limiter, limit, 10_001)

    assert sum(admission.admitted for admission in admissions) == 10_000
    assert not admissions[-1].admitted
    # Doubling blocks (capped at a quarter of what is left) need tens of reservations, not thousands.
    assert counter.calls <= 100, counter.calls
    assert max(counter.totals.values()) == 10_000


def test_the_first_reservation_is_a_single_token() -> None:
    counter = FakeCounter()
    limiter = limiter_with(counter, FakeClock(T0_MS))

    limiter.acquire("team-a", "key-1", RateLimit(requests=10_000, window=WINDOW_MS))

    assert list(counter.totals.values()) == [1]


def test_an_exhausted_window_stops_reserving() -> None:
    counter = FakeCounter()
    limiter = limiter_with(counter, FakeClock(T0_MS))
    limit = RateLimit(requests=5, window=WINDOW_MS)
    acquire_many(limiter, limit, 5)
    calls_when_exhausted = counter.calls

    acquire_many(limiter, limit, 100)

    assert counter.calls == calls_when_exhausted


def test_a_changed_limit_starts_a_new_window_state() -> None:
    counter = FakeCounter()
    limiter = limiter_with(counter, FakeClock(T0_MS))
    acquire_many(limiter, RateLimit(requests=2, window=WINDOW_MS), 3)

    raised = acquire_many(limiter, RateLimit(requests=5, window=WINDOW_MS), 5)

    # The window's counter is shared: the raised limit admits what is left of it, not five more.
    assert [a.admitted for a in raised] == [True, True, True, False, False]


def test_a_lowered_limit_refuses_at_once() -> None:
    limiter = limiter_with(FakeCounter(), FakeClock(T0_MS))
    acquire_many(limiter, RateLimit(requests=5, window=WINDOW_MS), 3)

    lowered = limiter.acquire("team-a", "key-1", RateLimit(requests=2, window=WINDOW_MS))

    assert not lowered.admitted
    assert lowered.remaining == 0


def test_forget_drops_the_local_state_but_not_the_shared_count() -> None:
    limiter = limiter_with(FakeCounter(), FakeClock(T0_MS))
    limit = RateLimit(requests=3, window=WINDOW_MS)
    acquire_many(limiter, limit, 3)

    limiter.forget("team-a", "key-1")

    assert not limiter.acquire("team-a", "key-1", limit).admitted


def test_two_instances_sequentially_share_one_limit() -> None:
    counter, clock = FakeCounter(), FakeClock(T0_MS)
    instances = [limiter_with(counter, clock), limiter_with(counter, clock)]
    limit = RateLimit(requests=30, window=WINDOW_MS)

    admitted = sum(instances[i % 2].acquire("team-a", "key-1", limit).admitted for i in range(200))

    assert admitted <= 30
    # An instance never holds more than it can spend: with demand on both, the whole limit is used.
    assert admitted == 30


def test_two_instances_under_eight_threads_never_exceed_the_limit_per_window() -> None:
    counter, clock = FakeCounter(), FakeClock(T0_MS)
    instances = [limiter_with(counter, clock), limiter_with(counter, clock)]
    limit = RateLimit(requests=500, window=WINDOW_MS)
    threads, calls_per_thread, windows = 8, 400, 3
    admitted: Counter[int] = Counter()
    admitted_lock = threading.Lock()

    for _ in range(windows):
        start = threading.Barrier(threads)

        def worker(number: int, start: threading.Barrier = start) -> None:
            limiter = instances[number % len(instances)]
            start.wait()
            for _ in range(calls_per_thread):
                admission = limiter.acquire("team-a", "key-1", limit)
                if admission.admitted:
                    with admitted_lock:
                        admitted[admission.reset_ms] += 1

        pool = [threading.Thread(target=worker, args=(number,)) for number in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(timeout=10)
        assert not any(thread.is_alive() for thread in pool)
        clock.advance(WINDOW_MS)

    assert len(admitted) == windows
    assert max(admitted.values()) <= limit.requests, admitted
    # Demand (3,200 calls a window) far exceeds the limit, so every window admits all of it.
    assert set(admitted.values()) == {limit.requests}, admitted
