"""A stand-in for Cloud Tasks' `shared.tasks.enqueue`: records what would be queued, refuses a repeated id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class QueuedTask:
    function_name: str
    data: dict[str, Any]
    dedupe_id: str | None
    delay_seconds: int | None


@dataclass
class RecordingQueue:
    """Call it as `enqueue(function_name, data, dedupe_id, delay_seconds)`; `tasks` is what was queued."""

    tasks: list[QueuedTask] = field(default_factory=list)
    # Every call, refused repeats included: what the product asked for.
    calls: list[QueuedTask] = field(default_factory=list)

    def __call__(
        self,
        function_name: str,
        data: dict[str, Any],
        dedupe_id: str | None = None,
        delay_seconds: int | None = None,
    ) -> bool:
        task = QueuedTask(function_name, dict(data), dedupe_id, delay_seconds)
        self.calls.append(task)
        if dedupe_id is not None and any(queued.dedupe_id == dedupe_id for queued in self.tasks):
            return False
        self.tasks.append(task)
        return True
