"""The rate limiter's counters document on the real Firestore emulator: what the design builds on.

One write with many field transforms answers each transformed field, in order, as one atomic snapshot
(concurrent writers see consistent totals); the band deletes and the floor only rises; the clean-up
deletes only what is below the floor; a lagging instance is granted nothing and leaves nothing behind.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from google.cloud import firestore

from shared.api_keys.rate_limiter import (
    READ_BACK,
    SUB_WINDOWS,
    RateLimiter,
    counters_id,
    sub_window_of,
    sub_window_start_ms,
)
from shared.models.api_keys import RateLimit
from shared.store import api_keys as store
from shared.store.api_keys import RateCounters, RateReservation

TEAM, KEY = "team-a", "key-1"
DOCUMENT = "60000ms-20"
EXPIRE_AT = datetime(2031, 1, 1, tzinfo=UTC)


def reservation(
    changes: dict[int, int], read: range, delete: range = range(0), floor: int = 0
) -> RateReservation:
    return RateReservation(changes=changes, read=read, delete=delete, floor=floor, expire_at=EXPIRE_AT)


def stored(db: firestore.Client) -> dict[str, object]:
    snapshot = db.document(f"teams/{TEAM}/apiKeys/{KEY}/rateCounters/{DOCUMENT}").get()
    return snapshot.to_dict() or {}


def test_one_write_answers_every_transformed_counter_in_order(db: firestore.Client) -> None:
    # Indices that sort differently as text and as numbers unless zero-padded (9 < 10 < 100).
    store.reserve_rate_tokens(TEAM, KEY, DOCUMENT, reservation({9: 1, 10: 20, 100: 300}, range(9, 101)))

    answer = store.reserve_rate_tokens(
        TEAM, KEY, DOCUMENT, reservation({9: 4, 11: 5, 99: -1, 100: 6}, range(9, 101), floor=7)
    )

    assert answer.counts[9] == 5
    assert answer.counts[10] == 20
    assert answer.counts[11] == 5
    assert answer.counts[99] == -1
    assert answer.counts[100] == 306
    assert {index: count for index, count in answer.counts.items() if index not in {9, 10, 11, 99, 100}} == {
        index: 0 for index in range(12, 99)
    }
    assert answer.floor == 7
    document = stored(db)
    assert document["expireAt"] == EXPIRE_AT
    assert document["floor"] == 7
    counts = document["counts"]
    assert isinstance(counts, dict)
    assert counts["0000000000100"] == 306
    assert len(counts) == 92


def test_concurrent_writes_each_answer_one_atomic_snapshot(db: firestore.Client) -> None:
    # Two groups of threads add 1 to counter 50 or to counter 51, each reading both. If every answer is
    # a snapshot of one serialization, the answered totals are exactly 1..n, each once, and the pairs
    # grow in both counters along that order; a torn read (one counter before another write, the
    # other after it) would repeat a total or make a pair go backwards.
    writes_per_thread, threads = 25, 8

    def writer(number: int) -> list[RateCounters]:
        index = 50 + number % 2
        return [
            store.reserve_rate_tokens(TEAM, KEY, DOCUMENT, reservation({index: 1}, range(49, 53)))
            for _ in range(writes_per_thread)
        ]

    with ThreadPoolExecutor(threads) as pool:
        answers = [answer for answers in pool.map(writer, range(threads)) for answer in answers]

    pairs = sorted((answer.counts[50], answer.counts[51]) for answer in answers)
    assert [first + second for first, second in pairs] == list(range(1, threads * writes_per_thread + 1))
    assert all(a <= c and b <= d for (a, b), (c, d) in itertools.pairwise(pairs))
    assert pairs[-1] == (100, 100)
    assert {answer.counts[49] for answer in answers} == {0}


def test_a_write_deletes_its_band_and_the_floor_never_falls(db: firestore.Client) -> None:
    store.reserve_rate_tokens(TEAM, KEY, DOCUMENT, reservation({10: 3}, range(5, 16), floor=5))

    later = store.reserve_rate_tokens(
        TEAM, KEY, DOCUMENT, reservation({20: 1}, range(15, 26), range(5, 15), 15)
    )
    lagging = store.reserve_rate_tokens(TEAM, KEY, DOCUMENT, reservation({12: 1}, range(12, 16), floor=2))

    assert later.floor == 15
    assert lagging.floor == 15  # raised by the later write: the lagging one learns its counters are gone
    assert lagging.counts[12] == 1  # recreated from nothing: the band deleted counter 12
    counts = stored(db)["counts"]
    assert isinstance(counts, dict)
    assert sorted(int(name) for name in counts) == list(range(12, 26))


def test_the_clean_up_deletes_only_what_is_below_the_floor(db: firestore.Client) -> None:
    assert store.delete_dead_rate_counters(TEAM, KEY, DOCUMENT) == 0  # no document yet
    store.reserve_rate_tokens(TEAM, KEY, DOCUMENT, reservation({3: 2}, range(0, 8), floor=0))
    store.reserve_rate_tokens(TEAM, KEY, DOCUMENT, reservation({30: 2}, range(28, 33), floor=28))

    deleted = store.delete_dead_rate_counters(TEAM, KEY, DOCUMENT)

    assert deleted == 8
    document = stored(db)
    counts = document["counts"]
    assert isinstance(counts, dict)
    assert sorted(int(name) for name in counts) == list(range(28, 33))
    assert document["floor"] == 28
    assert document["expireAt"] == EXPIRE_AT
    assert store.delete_dead_rate_counters(TEAM, KEY, DOCUMENT) == 0


def test_an_instance_whose_clock_lags_is_granted_nothing_and_leaves_nothing_behind(
    db: firestore.Client,
) -> None:
    limit = RateLimit(requests=10, window=60_000)
    now_ms = sub_window_start_ms(sub_window_of(int(datetime.now(UTC).timestamp() * 1000), 60_000), 60_000)
    lag_ms = 90_000
    clocks = {"on time": now_ms, "lagging": now_ms - lag_ms}
    on_time = RateLimiter(clock_ms=lambda: clocks["on time"])
    lagging = RateLimiter(clock_ms=lambda: clocks["lagging"])
    assert on_time.acquire(TEAM, KEY, limit).admitted

    refused = [lagging.acquire(TEAM, KEY, limit) for _ in range(3)]

    assert not any(answer.admitted for answer in refused)
    document = db.document(f"teams/{TEAM}/apiKeys/{KEY}/rateCounters/{counters_id(limit)}").get().to_dict()
    assert document is not None
    index = sub_window_of(now_ms, 60_000)
    assert document["floor"] == index - READ_BACK
    # The lagging write recreated counters far below the floor; its clean-up deleted them.
    assert sorted(int(name) for name in document["counts"]) == list(
        range(index - READ_BACK, index + SUB_WINDOWS + 1)
    )
    # The instance on time still has the rest of its limit.
    assert sum(on_time.acquire(TEAM, KEY, limit).admitted for _ in range(12)) == 9


def test_a_key_without_traffic_for_a_while_starts_clean(db: firestore.Client) -> None:
    limit = RateLimit(requests=10, window=60_000)
    start_ms = sub_window_start_ms(sub_window_of(int(datetime.now(UTC).timestamp() * 1000), 60_000), 60_000)
    clock = {"now": start_ms}
    limiter = RateLimiter(clock_ms=lambda: clock["now"])
    for gap in (timedelta(minutes=5), timedelta(hours=3)):
        assert limiter.acquire(TEAM, KEY, limit).admitted
        clock["now"] += int(gap.total_seconds() * 1000)

    assert limiter.acquire(TEAM, KEY, limit).admitted

    document = db.document(f"teams/{TEAM}/apiKeys/{KEY}/rateCounters/{counters_id(limit)}").get().to_dict()
    assert document is not None
    index = sub_window_of(clock["now"], 60_000)
    # Only the counters around the last write: those of the two earlier bursts were cleaned up.
    assert sorted(int(name) for name in document["counts"]) == list(
        range(index - READ_BACK, index + SUB_WINDOWS + 1)
    )
