"""Fakes for the unit tier: plain Python stand-ins passed into constructors, never mocks of Firestore."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from shared.store.api_keys import RateCounters, RateReservation


class FakeClock:
    """Milliseconds since the epoch that move only when a test moves them."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, milliseconds: int) -> None:
        self.now_ms += milliseconds


@dataclass
class FakeCounterDocument:
    counts: dict[int, int] = field(default_factory=dict)
    floor: int | None = None
    expire_at: datetime | None = None
    writes: int = 0


class FakeRateCounters:
    """Rate-limit counter documents in memory, with the store's semantics: one atomic write adds to
    counters, answers those it read as they are after it, deletes a band and raises the floor."""

    def __init__(self, yield_to_threads: bool = False) -> None:
        self.yield_to_threads = yield_to_threads
        self.documents: dict[tuple[str, str, str], FakeCounterDocument] = {}
        self.reservations: list[RateReservation] = []
        self.clean_ups = 0
        # Run before and after each write commits: a test commits other instances' writes first, or
        # moves the clock as a round trip would.
        self.before_commit: Callable[[RateReservation], None] | None = None
        self.after_commit: Callable[[RateReservation], None] | None = None
        self._lock = threading.RLock()

    def document(self, team_id: str = "team-a", key_id: str = "key-1") -> FakeCounterDocument:
        (found,) = [doc for (team, key, _), doc in self.documents.items() if (team, key) == (team_id, key_id)]
        return found

    def reserve(
        self, team_id: str, key_id: str, counters_id: str, reservation: RateReservation
    ) -> RateCounters:
        assert all(index in reservation.read for index in reservation.changes)
        if self.yield_to_threads:
            # Let another thread run first, as a network round trip would.
            time.sleep(0)
        if self.before_commit is not None:
            self.before_commit(reservation)
        with self._lock:
            doc = self.documents.setdefault((team_id, key_id, counters_id), FakeCounterDocument())
            self.reservations.append(reservation)
            doc.writes += 1
            for index in reservation.delete:
                doc.counts.pop(index, None)
            for index in reservation.read:
                doc.counts[index] = doc.counts.get(index, 0) + reservation.changes.get(index, 0)
            doc.floor = reservation.floor if doc.floor is None else max(doc.floor, reservation.floor)
            doc.expire_at = reservation.expire_at
            answer = RateCounters({index: doc.counts[index] for index in reservation.read}, doc.floor)
        if self.after_commit is not None:
            self.after_commit(reservation)
        return answer

    def clean_up(self, team_id: str, key_id: str, counters_id: str) -> int:
        with self._lock:
            self.clean_ups += 1
            doc = self.documents.get((team_id, key_id, counters_id))
            if doc is None or doc.floor is None:
                return 0
            dead = [index for index in doc.counts if index < doc.floor]
            for index in dead:
                del doc.counts[index]
            return len(dead)


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
