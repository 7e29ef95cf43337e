"""A clock the test moves: seconds on a monotonic scale, for anything that takes a `clock` (caches)."""

from __future__ import annotations


class ManualClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
