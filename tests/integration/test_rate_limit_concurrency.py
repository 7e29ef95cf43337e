"""The rate limit is exact under concurrency: no window admits more than its limit, and under excess
demand at least 90 % of the limit is admitted. Real Firestore counters, real threads."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from google.cloud import firestore

from shared.api_keys.rate_limiter import RateLimiter
from shared.models.api_keys import RateLimit

LIMIT = 40
WINDOW_MS = 1000


def hammer(limiters: list[RateLimiter], seconds: float, threads: int = 8) -> Counter[int]:
    """Threads spread over `limiters` (each one an instance) call acquire() as fast as they can."""
    admitted: Counter[int] = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    limit = RateLimit(requests=LIMIT, window=WINDOW_MS)

    def worker(number: int) -> None:
        limiter = limiters[number % len(limiters)]
        while time.monotonic() < stop_at:
            admission = limiter.acquire("team-a", "key-1", limit)
            if admission.admitted:
                with lock:
                    admitted[admission.reset_ms] += 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return admitted


def full_windows(admitted: Counter[int]) -> list[int]:
    """Counts of the windows the run covered from start to end (not the first and last partial ones)."""
    windows = sorted(admitted)
    return [admitted[window] for window in windows[1:-1]]


def test_eight_threads_never_exceed_the_limit_and_use_almost_all_of_it(db: firestore.Client) -> None:
    admitted = hammer([RateLimiter()], seconds=4.5)

    assert max(admitted.values()) <= LIMIT, admitted
    windows = full_windows(admitted)
    assert len(windows) >= 3
    assert min(windows) >= 0.9 * LIMIT, admitted


def test_two_instances_share_one_limit(db: firestore.Client) -> None:
    admitted = hammer([RateLimiter(), RateLimiter()], seconds=4.5)

    assert max(admitted.values()) <= LIMIT, admitted
    assert min(full_windows(admitted)) >= 0.9 * LIMIT, admitted
