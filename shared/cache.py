"""A bounded, time-limited cache for what an instance read from Firestore.

Entries live `ttl_seconds` (0 turns the cache off), the oldest go first past `max_entries`. A change
made elsewhere takes effect here within the TTL; the instance making it can `forget()` at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

KeyT = TypeVar("KeyT")
ValueT = TypeVar("ValueT")


class TtlCache(Generic[KeyT, ValueT]):
    def __init__(
        self, ttl_seconds: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        # Seconds on a monotonic scale; tests pass a clock they move.
        self.clock = clock
        self._entries: OrderedDict[KeyT, tuple[float, ValueT]] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, key: KeyT) -> tuple[bool, ValueT | None]:
        """(hit, value): a hit may hold None when "nothing there" was cached."""
        entry = self._entries.get(key)
        if entry is None or entry[0] < self.clock():
            return False, None
        return True, entry[1]

    def put(self, key: KeyT, value: ValueT) -> None:
        if self.ttl_seconds <= 0:
            return
        with self._lock:
            self._entries[key] = (self.clock() + self.ttl_seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def forget(self, key: KeyT) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
