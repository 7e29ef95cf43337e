"""The sliding-window rate limiter over in-memory counter documents and a clock the test moves."""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from shared.api_keys.rate_limiter import (
    COUNTER_RETENTION,
    MAX_LEAD,
    READ_BACK,
    SUB_WINDOWS,
    Admission,
    RateLimiter,
    counters_id,
    sub_window_of,
    sub_window_start_ms,
)
from shared.models.api_keys import RateLimit
from shared.store.api_keys import RateReservation
from tests.support.sliding_window import Timed, most_in_any_window, most_surely_in_any_window
from tests.unit.fakes import FakeClock, FakeRateCounters

WINDOW_MS = 60_000
SUB_WINDOW_MS = WINDOW_MS // SUB_WINDOWS
# A minute boundary, so "59.9 s" and "60.1 s" mean what they say.
MINUTE_MS = 1_700_000_040_000
# Not on any boundary, so the sub-window arithmetic is exercised.
T0_MS = 1_700_000_123_456


def limiter_with(counters: FakeRateCounters, clock: FakeClock) -> RateLimiter:
    def sleep(seconds: float) -> None:
        clock.advance(round(seconds * 1000))

    return RateLimiter(reserve=counters.reserve, clean_up=counters.clean_up, clock_ms=clock, sleep=sleep)


def acquire_many(
    limiter: RateLimiter, limit: RateLimit, times: int, key_id: str = "key-1"
) -> list[Admission]:
    return [limiter.acquire("team-a", key_id, limit) for _ in range(times)]


class Recorder:
    """Instances sharing counters and a clock; every admission is recorded at the clock's reading (and,
    when writes take time, with the readings before and after the call, which enclose its instant)."""

    def __init__(self, instances: int = 1, threads: bool = False) -> None:
        self.counters = FakeRateCounters(yield_to_threads=threads)
        self.clock = FakeClock(T0_MS)
        self.limiters = [limiter_with(self.counters, self.clock) for _ in range(instances)]
        self.admitted_at: list[int] = []
        self.admitted: list[Timed] = []
        self.reserved_ahead = 0

    def acquire(self, limit: RateLimit, instance: int = 0) -> Admission:
        now = self.clock.now_ms
        admission = self.limiters[instance].acquire("team-a", "key-1", limit)
        if admission.admitted:
            self.admitted_at.append(now)
            self.admitted.append(Timed(now, self.clock.now_ms))
        return admission

    def writes_take(self, milliseconds: Callable[[], int]) -> None:
        """Each write commits half-way through a round trip of `milliseconds()`."""
        half: dict[str, int] = {}

        def before(reservation: RateReservation) -> None:
            sent_in = sub_window_of(self.clock.now_ms, WINDOW_MS)
            self.reserved_ahead += max(reservation.changes) > sent_in
            half["ms"] = milliseconds() // 2
            self.clock.advance(half["ms"])

        def after(_reservation: RateReservation) -> None:
            self.clock.advance(half["ms"])

        self.counters.before_commit, self.counters.after_commit = before, after


def test_admits_exactly_the_limit_then_refuses() -> None:
    limiter = limiter_with(FakeRateCounters(), FakeClock(T0_MS))

    admissions = acquire_many(limiter, RateLimit(requests=10, window=WINDOW_MS), 25)

    assert [admission.admitted for admission in admissions] == [True] * 10 + [False] * 15
    assert [admission.remaining for admission in admissions[9:]] == [0] * 16


def test_remaining_counts_down_by_one_per_admission() -> None:
    limiter = limiter_with(FakeRateCounters(), FakeClock(T0_MS))

    admissions = acquire_many(limiter, RateLimit(requests=50, window=WINDOW_MS), 50)

    assert [admission.remaining for admission in admissions] == list(range(49, -1, -1))


def test_remaining_is_exactly_what_can_still_be_admitted_at_once() -> None:
    recorder = Recorder()
    limit = RateLimit(requests=30, window=WINDOW_MS)
    for step, burst in enumerate([7, 3, 9, 1, 40]):
        recorder.clock.advance(SUB_WINDOW_MS * step // 2)
        answers = [recorder.acquire(limit) for _ in range(burst)]
        claimed = answers[-1].remaining

        then = [recorder.acquire(limit) for _ in range(claimed + 1)]

        assert [answer.admitted for answer in then] == [True] * claimed + [False], step


def test_a_burst_straddling_the_minute_admits_nothing_more_until_it_slides_out() -> None:
    # The fixed-window limiter admitted 26 of these within 0.3 s (2N at a boundary, at worst).
    recorder = Recorder()
    limit = RateLimit(requests=20, window=WINDOW_MS)
    recorder.clock.now_ms = MINUTE_MS + 59_900
    before = [recorder.acquire(limit) for _ in range(20)]
    recorder.clock.now_ms = MINUTE_MS + 60_100

    after = [recorder.acquire(limit) for _ in range(6)]

    assert all(answer.admitted for answer in before)
    assert not any(answer.admitted for answer in after)
    assert {answer.remaining for answer in after} == {0}
    # The 20 sit in the sub-window [57 s, 60 s): they slide out of every window at 120 s.
    assert {answer.reset_ms for answer in after} == {MINUTE_MS + 120_000}
    # Try every 100 ms for another minute and a half: nothing until 120 s, then admissions again.
    while recorder.clock.now_ms < MINUTE_MS + 150_000:
        recorder.clock.advance(100)
        recorder.acquire(limit)
    later = [at for at in recorder.admitted_at if at > MINUTE_MS + 60_000]
    assert later[0] == MINUTE_MS + 120_000
    assert most_in_any_window(recorder.admitted_at, WINDOW_MS) <= 20


def test_reset_is_the_first_instant_an_admission_is_possible() -> None:
    recorder = Recorder()
    limit = RateLimit(requests=6, window=WINDOW_MS)
    rng = random.Random(7)
    checked = 0
    for _ in range(40):
        recorder.clock.advance(rng.randrange(0, 2 * SUB_WINDOW_MS))
        for _ in range(rng.randrange(1, 4)):
            answer = recorder.acquire(limit)
        if answer.admitted:
            continue
        # Refused: one millisecond before `reset` is still refused, at `reset` it is admitted.
        recorder.clock.now_ms = answer.reset_ms - 1
        assert not recorder.acquire(limit).admitted
        recorder.clock.now_ms = answer.reset_ms
        assert recorder.acquire(limit).admitted
        checked += 1
    assert checked >= 5
    assert most_in_any_window(recorder.admitted_at, WINDOW_MS) <= limit.requests


def test_reset_of_an_admission_is_when_more_than_the_remaining_ones_become_possible() -> None:
    recorder = Recorder()
    limit = RateLimit(requests=5, window=WINDOW_MS)

    first = recorder.acquire(limit)
    rest = [recorder.acquire(limit) for _ in range(first.remaining + 1)]

    assert (first.remaining, first.reset_ms) == (4, rest[-1].reset_ms)
    assert [answer.admitted for answer in rest] == [True] * 4 + [False]
    first_sub_window = sub_window_of(T0_MS, WINDOW_MS)
    assert first.reset_ms == sub_window_start_ms(first_sub_window + SUB_WINDOWS + 1, WINDOW_MS)
    assert first.reset_ms > T0_MS + WINDOW_MS


@pytest.mark.parametrize("seed", range(4))
def test_random_demand_on_three_instances_never_exceeds_the_limit_in_any_window(seed: int) -> None:
    recorder = Recorder(instances=3)
    limit = RateLimit(requests=25, window=WINDOW_MS)
    rng = random.Random(seed)
    for _ in range(1500):
        # Steps from a millisecond to two sub-windows, with bursts aimed at sub-window boundaries.
        step = rng.choice([1, 7, SUB_WINDOW_MS // 3, SUB_WINDOW_MS, 2 * SUB_WINDOW_MS])
        recorder.clock.advance(step)
        if rng.random() < 0.2:
            boundary = sub_window_start_ms(sub_window_of(recorder.clock.now_ms, WINDOW_MS) + 1, WINDOW_MS)
            recorder.clock.now_ms = boundary - rng.choice([1, 0])
        for _ in range(rng.randrange(1, 12)):
            recorder.acquire(limit, instance=rng.randrange(3))

    assert len(recorder.admitted_at) > 10 * limit.requests
    assert most_in_any_window(recorder.admitted_at, WINDOW_MS) <= limit.requests


def test_a_reservation_committed_after_later_ones_is_granted_only_what_is_left() -> None:
    recorder = Recorder(instances=2)
    limit = RateLimit(requests=10, window=WINDOW_MS)
    slow_sub_window = sub_window_of(T0_MS, WINDOW_MS)
    raced: list[Admission] = []

    def fast_instance_commits_first(reservation: RateReservation) -> None:
        # The slow instance's write is in flight; meanwhile the other instance, whose clock is in the
        # next sub-window, takes the whole limit and commits first.
        if slow_sub_window in reservation.changes and not raced:
            recorder.counters.before_commit = None
            recorder.clock.now_ms = sub_window_start_ms(slow_sub_window + 1, WINDOW_MS) + 5
            raced.extend(recorder.acquire(limit, instance=1) for _ in range(12))
            recorder.clock.now_ms = T0_MS

    recorder.counters.before_commit = fast_instance_commits_first
    slow = recorder.acquire(limit, instance=0)

    assert [answer.admitted for answer in raced] == [True] * 10 + [False] * 2
    assert not slow.admitted
    assert most_in_any_window(recorder.admitted_at, WINDOW_MS) == 10
    # The token it was not granted is given back at once, by a write of its own.
    assert recorder.counters.reservations[-1].changes == {slow_sub_window: -1}
    assert recorder.counters.document().counts[slow_sub_window] == 0


def test_a_reservation_that_lags_behind_the_floor_is_granted_nothing_and_cleans_up() -> None:
    recorder = Recorder(instances=2)
    limit = RateLimit(requests=10, window=WINDOW_MS)
    slow_sub_window = sub_window_of(T0_MS, WINDOW_MS)

    def far_ahead_instance_commits_first(reservation: RateReservation) -> None:
        if slow_sub_window in reservation.changes:
            recorder.counters.before_commit = None
            recorder.clock.now_ms = sub_window_start_ms(slow_sub_window + SUB_WINDOWS + 3, WINDOW_MS)
            recorder.acquire(limit, instance=1)
            recorder.clock.now_ms = T0_MS

    recorder.counters.before_commit = far_ahead_instance_commits_first
    slow = recorder.acquire(limit, instance=0)

    document = recorder.counters.document()
    assert document.floor is not None
    assert document.floor > slow_sub_window - SUB_WINDOWS
    assert not slow.admitted
    assert slow.remaining == 0
    assert slow.reset_ms > T0_MS
    # The lagging write recreated counters below the floor; its clean-up removed them.
    assert min(document.counts) >= document.floor


def test_with_another_instance_about_a_refusal_looks_again_once_a_sub_window() -> None:
    recorder = Recorder(instances=2)
    limit = RateLimit(requests=10, window=WINDOW_MS)
    index = sub_window_of(T0_MS, WINDOW_MS)
    recorder.acquire(limit, instance=1)  # the other instance writes first
    assert sum(recorder.acquire(limit).admitted for _ in range(10)) == 9
    writes = len(recorder.counters.reservations)
    # The other instance gives back 4 tokens it will not spend: this one cannot see that without a write.
    recorder.counters.document().counts[index] -= 4

    same_sub_window = recorder.acquire(limit)
    recorder.clock.now_ms = sub_window_start_ms(index + 1, WINDOW_MS)
    next_sub_window = [recorder.acquire(limit) for _ in range(5)]

    assert not same_sub_window.admitted
    assert [answer.admitted for answer in next_sub_window] == [True] * 4 + [False]
    looked, *reserved = recorder.counters.reservations[writes:]
    assert sum(looked.changes.values()) == 0  # a look: reserves nothing
    assert all(sum(reservation.changes.values()) > 0 for reservation in reserved)


def test_a_request_that_arrived_while_a_write_was_out_spends_its_tokens_as_of_its_arrival() -> None:
    recorder = Recorder()
    limit = RateLimit(requests=10, window=WINDOW_MS)
    index = sub_window_of(T0_MS, WINDOW_MS)
    # Three requests in the sub-window before: the first write of this one reserves three tokens.
    recorder.clock.now_ms = sub_window_start_ms(index - 1, WINDOW_MS)
    assert all(recorder.acquire(limit).admitted for _ in range(3))
    recorder.clock.now_ms = T0_MS
    writes = len(recorder.counters.reservations)
    write_out, write_back = threading.Event(), threading.Event()

    def slow_write(_reservation: RateReservation) -> None:
        write_out.set()
        assert write_back.wait(timeout=10)

    recorder.counters.before_commit = slow_write
    first = threading.Thread(target=recorder.acquire, args=(limit,))
    first.start()
    assert write_out.wait(timeout=10)
    recorder.counters.before_commit = None
    # A second request arrives while the write is out, in the same sub-window, and waits for the lock.
    second: list[Admission] = []
    waiting = threading.Thread(
        target=lambda: second.append(recorder.limiters[0].acquire("team-a", "key-1", limit))
    )
    waiting.start()
    while recorder.limiters[0]._waiting.get(("team-a", "key-1")) != 2:
        time.sleep(0.001)
    # The write comes back after the sub-window has ended.
    recorder.clock.now_ms = sub_window_start_ms(index + 1, WINDOW_MS) + 10
    write_back.set()
    first.join(timeout=10)
    waiting.join(timeout=10)

    # One write; both admitted, the second as of its arrival, in the sub-window of the tokens.
    assert [sum(reservation.changes.values()) for reservation in recorder.counters.reservations[writes:]] == [
        3
    ]
    assert recorder.admitted_at[-1] == T0_MS
    assert second[0].admitted


def test_tokens_left_when_the_sub_window_ends_are_given_back() -> None:
    recorder = Recorder(instances=2)
    limit = RateLimit(requests=100, window=WINDOW_MS)
    first_sub_window = sub_window_of(T0_MS, WINDOW_MS)
    # Slow start: blocks of 1, 2, 4, 8, 16; the 20th admission leaves 11 tokens of the last block.
    for _ in range(20):
        recorder.acquire(limit)
    document = recorder.counters.document()
    assert document.counts[first_sub_window] == 31

    recorder.clock.now_ms = sub_window_start_ms(first_sub_window + 1, WINDOW_MS)
    recorder.acquire(limit)

    assert recorder.counters.reservations[-1].changes[first_sub_window] == -11
    assert document.counts[first_sub_window] == 20
    # Nothing is stranded: between them, the two instances admit the whole limit in the window.
    while recorder.acquire(limit, instance=1).admitted or recorder.acquire(limit, instance=0).admitted:
        pass
    assert len(recorder.admitted_at) == limit.requests


def test_refusals_cost_no_write_until_the_reset() -> None:
    recorder = Recorder()
    limit = RateLimit(requests=5, window=WINDOW_MS)
    refused = [recorder.acquire(limit) for _ in range(6)][-1]
    writes = len(recorder.counters.reservations)

    while recorder.clock.now_ms < refused.reset_ms - SUB_WINDOW_MS // 2:
        recorder.clock.advance(SUB_WINDOW_MS // 2)
        assert not recorder.acquire(limit).admitted

    assert len(recorder.counters.reservations) == writes


def test_blocks_grow_so_a_big_limit_needs_few_reservations() -> None:
    counters = FakeRateCounters()
    limiter = limiter_with(counters, FakeClock(T0_MS))

    admissions = acquire_many(limiter, RateLimit(requests=10_000, window=WINDOW_MS), 10_001)

    assert sum(admission.admitted for admission in admissions) == 10_000
    assert not admissions[-1].admitted
    # Doubling blocks (capped at a quarter of what is left) need tens of reservations, not thousands.
    assert len(counters.reservations) <= 100, len(counters.reservations)


def test_the_first_reservation_is_a_single_token() -> None:
    counters = FakeRateCounters()
    limiter = limiter_with(counters, FakeClock(T0_MS))

    limiter.acquire("team-a", "key-1", RateLimit(requests=10_000, window=WINDOW_MS))

    assert [sum(reservation.changes.values()) for reservation in counters.reservations] == [1]


def test_a_write_reads_around_its_sub_window_deletes_below_and_raises_the_floor() -> None:
    counters = FakeRateCounters()
    limiter = limiter_with(counters, FakeClock(T0_MS))
    index = sub_window_of(T0_MS, WINDOW_MS)

    admission = limiter.acquire("team-a", "key-1", RateLimit(requests=4, window=WINDOW_MS))

    (reservation,) = counters.reservations
    assert reservation.changes == {index: 1}
    assert reservation.read == range(index - READ_BACK, index + SUB_WINDOWS + 1)
    assert reservation.delete == range(index - 2 * READ_BACK, index - READ_BACK)
    assert reservation.floor == index - READ_BACK
    # Kept a day past the end of the last window it counts toward, then the TTL policy removes it.
    window_end = sub_window_start_ms(index + SUB_WINDOWS + 1, WINDOW_MS)
    assert reservation.expire_at == datetime.fromtimestamp(window_end / 1000, UTC) + COUNTER_RETENTION
    assert admission.reset_ms == window_end


def test_the_document_stays_small_through_idle_gaps_and_lagging_writes() -> None:
    recorder = Recorder(instances=2)
    limit = RateLimit(requests=8, window=WINDOW_MS)
    rng = random.Random(3)
    largest = 0
    for _ in range(400):
        recorder.clock.advance(rng.choice([SUB_WINDOW_MS, 5 * SUB_WINDOW_MS, 3 * WINDOW_MS, 9 * WINDOW_MS]))
        for _ in range(rng.randrange(1, 6)):
            recorder.acquire(limit, instance=0)
        if rng.random() < 0.2:
            # An instance whose clock lags a window and a half behind.
            lagging_by = WINDOW_MS + WINDOW_MS // 2
            recorder.clock.advance(-lagging_by)
            recorder.acquire(limit, instance=1)
            recorder.clock.advance(lagging_by)
        largest = max(largest, len(recorder.counters.document().counts))

    assert largest <= SUB_WINDOWS + 1 + READ_BACK, largest
    assert recorder.counters.clean_ups > 0


def test_keys_have_separate_counters() -> None:
    limiter = limiter_with(FakeRateCounters(), FakeClock(T0_MS))
    limit = RateLimit(requests=2, window=WINDOW_MS)

    first_key = acquire_many(limiter, limit, 3, key_id="key-1")
    second_key = acquire_many(limiter, limit, 3, key_id="key-2")

    assert [a.admitted for a in first_key] == [True, True, False]
    assert [a.admitted for a in second_key] == [True, True, False]


def test_a_changed_limit_counts_what_the_old_one_admitted() -> None:
    limiter = limiter_with(FakeRateCounters(), FakeClock(T0_MS))
    acquire_many(limiter, RateLimit(requests=2, window=WINDOW_MS), 3)

    raised = acquire_many(limiter, RateLimit(requests=5, window=WINDOW_MS), 5)
    lowered = limiter.acquire("team-a", "key-1", RateLimit(requests=2, window=WINDOW_MS))

    # The counters are shared: the raised limit admits what is left of it, not five more.
    assert [a.admitted for a in raised] == [True, True, True, False, False]
    assert not lowered.admitted
    assert lowered.remaining == 0


def test_another_window_length_has_its_own_counters() -> None:
    minute = counters_id(RateLimit(requests=5, window=60_000))

    assert minute == f"60000ms-{SUB_WINDOWS}"
    assert counters_id(RateLimit(requests=9, window=60_000)) == minute
    assert counters_id(RateLimit(requests=5, window=1_000)) != minute


def test_forget_drops_the_local_state_but_not_the_shared_count() -> None:
    limiter = limiter_with(FakeRateCounters(), FakeClock(T0_MS))
    limit = RateLimit(requests=3, window=WINDOW_MS)
    acquire_many(limiter, limit, 3)

    limiter.forget("team-a", "key-1")

    assert not limiter.acquire("team-a", "key-1", limit).admitted


def test_eight_threads_on_two_instances_keep_the_bound_and_admit_over_90_percent() -> None:
    recorder = Recorder(instances=2, threads=True)
    limit = RateLimit(requests=200, window=WINDOW_MS)
    threads, calls_per_thread, periods = 8, 40, 4
    lock = threading.Lock()
    start_index = sub_window_of(T0_MS, WINDOW_MS)
    recorder.clock.now_ms = sub_window_start_ms(start_index, WINDOW_MS)
    # One round of excess demand per sub-window; the clock stands still during a round.
    for _ in range(periods * (SUB_WINDOWS + 1)):
        now = recorder.clock.now_ms

        def worker(number: int, now: int = now) -> None:
            limiter = recorder.limiters[number % 2]
            for _ in range(calls_per_thread):
                if limiter.acquire("team-a", "key-1", limit).admitted:
                    with lock:
                        recorder.admitted_at.append(now)

        pool = [threading.Thread(target=worker, args=(number,)) for number in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(timeout=10)
        assert not any(thread.is_alive() for thread in pool)
        recorder.clock.advance(SUB_WINDOW_MS)

    assert most_in_any_window(recorder.admitted_at, WINDOW_MS) <= limit.requests
    # Whole periods of K+1 sub-windows: at most N each, so N*K/(K+1) per window at best (95 %).
    assert len(recorder.admitted_at) <= periods * limit.requests
    windows = periods * (SUB_WINDOWS + 1) / SUB_WINDOWS
    assert len(recorder.admitted_at) >= 0.9 * windows * limit.requests, len(recorder.admitted_at)


@pytest.mark.parametrize("seed", range(3))
def test_slow_writes_reserve_ahead_and_keep_the_bound(seed: int) -> None:
    recorder = Recorder(instances=2)
    limit = RateLimit(requests=30, window=WINDOW_MS)
    rng = random.Random(seed)
    # Round trips from nothing to two sub-windows and a half: blocks reserved for the sub-window in
    # which their write was sent would often come back too late for anyone but its sender.
    recorder.writes_take(lambda: rng.randrange(0, SUB_WINDOW_MS * 5 // 2))
    start = recorder.clock.now_ms
    while recorder.clock.now_ms < start + 8 * WINDOW_MS:
        recorder.acquire(limit, instance=rng.randrange(2))
        recorder.clock.advance(rng.choice([1, SUB_WINDOW_MS // 20, SUB_WINDOW_MS // 2]))

    assert len(recorder.counters.reservations) > 50
    assert recorder.reserved_ahead > 5
    assert len(recorder.admitted) > 2 * limit.requests
    assert most_surely_in_any_window(recorder.admitted, WINDOW_MS) <= limit.requests


def test_a_write_back_before_its_sub_window_begins_waits_for_it() -> None:
    recorder = Recorder()
    limit = RateLimit(requests=40, window=WINDOW_MS)
    round_trips = iter([SUB_WINDOW_MS * 2, 10])
    recorder.writes_take(lambda: next(round_trips, 10))
    recorder.acquire(limit)  # one token, spent; a round trip measured at two sub-windows
    first_sub_window = sub_window_of(recorder.clock.now_ms, WINDOW_MS)
    recorder.clock.now_ms = sub_window_start_ms(first_sub_window + 1, WINDOW_MS) - 100
    sent = recorder.clock.now_ms

    answer = recorder.acquire(limit)  # expected back two sub-windows on; back in 10 ms

    target = max(recorder.counters.reservations[-1].changes)
    assert target == sub_window_of(sent, WINDOW_MS) + MAX_LEAD
    assert answer.admitted
    # Admitted only once the sub-window of its token began.
    assert recorder.clock.now_ms == sub_window_start_ms(target, WINDOW_MS)


@pytest.fixture
def threads_switch_often() -> Iterator[None]:
    """Threads of this process hand over the interpreter every microsecond instead of every 5 ms, so
    that their steps interleave finely, as on a busy machine with many cores."""
    usual = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(usual)


@pytest.mark.usefixtures("threads_switch_often")
def test_threads_of_one_instance_sharing_a_key_admit_the_limit_and_strand_no_token() -> None:
    """The per-key lock of an instance: its requests take turns with the key's tokens. Sixteen threads
    arriving at once with 160 requests are admitted exactly N times, and every token reserved is spent
    or given back: once the clock has moved on, the counter holds exactly the admissions. Each write
    yields to the other threads before and after it commits, as a round trip would; thirty keys, so
    that a race the lock prevents would show in some of them."""
    counters = FakeRateCounters(yield_to_threads=True)
    counters.after_commit = lambda _reservation: time.sleep(0)
    clock = FakeClock(T0_MS)
    limiter = limiter_with(counters, clock)
    limit = RateLimit(requests=50, window=WINDOW_MS)
    burst_sub_window = sub_window_of(T0_MS, WINDOW_MS)
    threads, calls_per_thread = 16, 10
    admitted: dict[str, list[bool]] = {f"key-{number}": [] for number in range(30)}
    failures: list[BaseException] = []
    together = threading.Barrier(threads, timeout=30)

    def worker() -> None:
        try:
            for key_id, answers in admitted.items():
                together.wait()
                for _ in range(calls_per_thread):
                    answers.append(limiter.acquire("team-a", key_id, limit).admitted)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
            together.abort()  # the others stop waiting for this one

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in pool)
    assert [
        repr(failure) for failure in failures if not isinstance(failure, threading.BrokenBarrierError)
    ] == []
    # The first request of the next sub-window gives back what the burst left unspent.
    clock.now_ms = sub_window_start_ms(burst_sub_window + 1, WINDOW_MS)
    for key_id in admitted:
        limiter.acquire("team-a", key_id, limit)

    outcome = {
        key_id: (sum(answers), counters.document(key_id=key_id).counts[burst_sub_window])
        for key_id, answers in admitted.items()
    }
    assert {len(answers) for answers in admitted.values()} == {threads * calls_per_thread}
    assert outcome == dict.fromkeys(admitted, (limit.requests, limit.requests))
