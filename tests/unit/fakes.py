"""Fakes for the unit tier: plain Python stand-ins passed into constructors, never mocks of Firestore."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime


class FakeClock:
    """Milliseconds since the epoch that move only when a test moves them."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, milliseconds: int) -> None:
        self.now_ms += milliseconds


class FakeCounter:
    """An atomic counter per rate-limit window, like Firestore's `Increment` answering the new total."""

    def __init__(self) -> None:
        self.totals: dict[tuple[str, str, int], int] = {}
        self.expire_at: dict[tuple[str, str, int], datetime] = {}
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(
        self, team_id: str, key_id: str, window_start_ms: int, tokens: int, expire_at: datetime
    ) -> int:
        # Let another thread run first, as a network round trip would.
        time.sleep(0)
        with self._lock:
            window = (team_id, key_id, window_start_ms)
            self.calls += 1
            self.totals[window] = self.totals.get(window, 0) + tokens
            self.expire_at[window] = expire_at
            return self.totals[window]


@dataclass
class UsageWrite:
    team_id: str
    key_id: str
    count: int
    last_used: datetime


@dataclass
class RecordingWriter:
    """A usage writer that remembers every write; `answer` False means "the key no longer exists"."""

    answer: bool = True
    writes: list[UsageWrite] = field(default_factory=list)
    written: threading.Event = field(default_factory=threading.Event)

    def __call__(self, team_id: str, key_id: str, count: int, last_used: datetime) -> bool:
        self.writes.append(UsageWrite(team_id, key_id, count, last_used))
        self.written.set()
        return self.answer

    def total(self) -> int:
        return sum(write.count for write in self.writes)
