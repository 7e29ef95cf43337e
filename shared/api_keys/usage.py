"""Buffered usage counting: `usageCount`, `lastUsed` and the per-day counters without a write per
validation.

Validations add to an in-memory buffer; a background thread writes each key's total with one
`Increment` every few seconds (at most 60 s), so a busy key costs a handful of writes a minute per
instance instead of one contended write per validation. Counts are kept apart by UTC day, so each write
also adds to its day's counter (`teams/{teamId}/apiKeyUsage/{day}`) exactly. A failed write puts its
counts back.
What is lost: counts buffered in an instance that crashes before its next flush (a few seconds' worth).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from shared import log
from shared.store import api_keys as store

# (teamId, keyId, count, lastUsed): the count is of lastUsed's UTC day; False when the key is gone.
Writer = Callable[[str, str, int, datetime], bool]


@dataclass
class _Pending:
    count: int
    last_used: datetime


class UsageBuffer:
    def __init__(
        self,
        flush_seconds: float,
        writer: Writer = store.add_usage,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self._flush_seconds = flush_seconds
        self._writer = writer
        self._pending: dict[tuple[str, str, date], _Pending] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        # Waits up to the given seconds between flushes; True once stopped (tests pass one they release).
        self._wait = wait or self._stopped.wait

    def record(self, team_id: str, key_id: str, when: datetime) -> None:
        slot = (team_id, key_id, when.astimezone(UTC).date())
        with self._lock:
            pending = self._pending.get(slot)
            if pending is None:
                self._pending[slot] = _Pending(1, when)
            else:
                pending.count += 1
                if when > pending.last_used:
                    pending.last_used = when
            if self._thread is None:
                self._start_flusher()

    def _start_flusher(self) -> None:
        self._thread = threading.Thread(target=self._run, name="api-key-usage-flusher", daemon=True)
        self._thread.start()
        atexit.register(self.flush)

    def _run(self) -> None:
        while not self._wait(self._flush_seconds):
            self.flush()

    def flush(self) -> int:
        """Write every buffered count now; answers how many validations were written."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
            written = 0
            # Oldest day first, so that a key's `lastUsed` ends at its latest validation.
            for slot, pending in sorted(batch.items(), key=lambda item: item[1].last_used):
                team_id, key_id, _ = slot
                try:
                    if self._writer(team_id, key_id, pending.count, pending.last_used):
                        written += pending.count
                except Exception as error:  # noqa: BLE001 - keep the counts and try again next time
                    log.warning("api key usage flush failed", keyId=key_id, errorType=type(error).__name__)
                    self._put_back(slot, pending)
            return written

    def _put_back(self, slot: tuple[str, str, date], pending: _Pending) -> None:
        with self._lock:
            current = self._pending.get(slot)
            if current is None:
                self._pending[slot] = pending
            else:
                current.count += pending.count
                current.last_used = max(current.last_used, pending.last_used)

    def stop(self) -> None:
        """End the background flusher (whatever is still buffered stays unwritten)."""
        self._stopped.set()
        atexit.unregister(self.flush)
