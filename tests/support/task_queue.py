"""A stand-in for Cloud Tasks' `shared.tasks.enqueue`: records what would be queued, refuses a repeated id;
and a worker that dies partway through a task."""

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
    _ids: set[str] = field(default_factory=set, repr=False)

    def __call__(
        self,
        function_name: str,
        data: dict[str, Any],
        dedupe_id: str | None = None,
        delay_seconds: int | None = None,
    ) -> bool:
        task = QueuedTask(function_name, dict(data), dedupe_id, delay_seconds)
        self.calls.append(task)
        if dedupe_id is not None:
            if dedupe_id in self._ids:
                return False
            self._ids.add(dedupe_id)
        self.tasks.append(task)
        return True

    def of(self, function_name: str) -> list[QueuedTask]:
        """What was queued for one task function, in order."""
        return [task for task in self.tasks if task.function_name == function_name]


class WorkerKilled(BaseException):
    """The instance running a task died: a BaseException, so no `except Exception` in the product stops it."""


@dataclass
class DyingQueue:
    """Lets `survives` enqueues through to `queue`, then kills the worker at the next one (once)."""

    queue: RecordingQueue
    survives: int

    def __call__(self, *args: Any, **kwargs: Any) -> bool:
        if self.survives == 0:
            self.survives = -1
            raise WorkerKilled
        self.survives -= 1
        return self.queue(*args, **kwargs)
