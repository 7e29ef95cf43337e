"""An exact, distributed fixed-window rate limiter that reserves tokens in blocks.

Each window of each key has one counter document. An instance reserves a block of tokens with a
single atomic increment and reads the new total from the write result: it owns the slice
(total - block, total], and admits only the part of its slice below the limit. Slices never overlap,
so across any number of instances a window never admits more than the limit. There is no transaction,
so nothing aborts under contention (same-document transactions crawl; see local-stack.md).

Blocks start at one token and double while the instance keeps using them (slow start), and never take
more than a quarter of what the window has left. A busy instance reserves few times per window; an idle
one holds at most a token or two it may not use, so under demand almost the whole limit is admitted.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.models.api_keys import RateLimit
from shared.store import api_keys as store

# Counters outlive their window by a day (then a TTL policy on `expireAt` removes them).
COUNTER_RETENTION = timedelta(days=1)

Reserve = Callable[[str, str, int, int, datetime], int]


@dataclass(frozen=True)
class Admission:
    admitted: bool
    remaining: int
    reset_ms: int


@dataclass
class _Window:
    start_ms: int
    limit: int
    available: int = 0
    reserved_total: int = 0
    next_block: int = 1
    exhausted: bool = False


class RateLimiter:
    def __init__(
        self,
        reserve: Reserve = store.reserve_rate_tokens,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self._reserve = reserve
        self._clock_ms = clock_ms
        self._windows: dict[tuple[str, str], _Window] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _lock_for(self, key: tuple[str, str]) -> threading.Lock:
        lock = self._locks.get(key)
        if lock is None:
            with self._locks_guard:
                lock = self._locks.setdefault(key, threading.Lock())
        return lock

    def acquire(self, team_id: str, key_id: str, limit: RateLimit) -> Admission:
        """Admit one request in the current window, or refuse it without exceeding the limit."""
        key = (team_id, key_id)
        # One reservation at a time per key and instance: the other threads wait for its tokens
        # instead of piling up reservations of their own.
        with self._lock_for(key):
            now_ms = self._clock_ms()
            start_ms = now_ms - now_ms % limit.window
            reset_ms = start_ms + limit.window
            window = self._windows.get(key)
            if window is None or window.start_ms != start_ms or window.limit != limit.requests:
                window = _Window(start_ms=start_ms, limit=limit.requests)
                self._windows[key] = window
            if window.available == 0 and not window.exhausted:
                self._reserve_block(team_id, key_id, window, reset_ms)
            admitted = window.available > 0
            if admitted:
                window.available -= 1
            remaining = window.available + max(0, window.limit - window.reserved_total)
            return Admission(admitted=admitted, remaining=remaining, reset_ms=reset_ms)

    def _reserve_block(self, team_id: str, key_id: str, window: _Window, reset_ms: int) -> None:
        left_in_window = max(1, window.limit - window.reserved_total)
        block = max(1, min(window.next_block, math.ceil(left_in_window / 4)))
        expire_at = datetime.fromtimestamp(reset_ms / 1000, UTC) + COUNTER_RETENTION
        total = self._reserve(team_id, key_id, window.start_ms, block, expire_at)
        granted = max(0, min(block, window.limit - (total - block)))
        window.available += granted
        window.reserved_total = max(window.reserved_total, total)
        window.exhausted = total >= window.limit
        window.next_block = min(block * 2, window.limit)

    def forget(self, team_id: str, key_id: str) -> None:
        self._windows.pop((team_id, key_id), None)
