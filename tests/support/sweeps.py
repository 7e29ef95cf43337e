"""Runs a sweep's page tasks from a RecordingQueue, as Cloud Tasks would dispatch them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.models.sweeps import PageTask
from shared.sweeps import PageReport, Sweep
from tests.support.task_queue import QueuedTask, RecordingQueue


@dataclass
class PageRunner:
    sweep: Sweep
    queue: RecordingQueue
    # How many of the queued page tasks have run (Cloud Tasks dispatches them in order here).
    ran: int = 0

    def pages(self) -> list[QueuedTask]:
        return self.queue.of(self.sweep.page_task)

    def run(self, page: QueuedTask, enqueue: Callable[..., bool] | None = None) -> PageReport:
        """One delivery of a page task, through its input model as the task function parses it."""
        task = PageTask.model_validate(page.data)
        return self.sweep.run_page(task, enqueue or self.queue)

    def run_next(self, enqueue: Callable[..., bool] | None = None) -> PageReport | None:
        pages = self.pages()
        if self.ran == len(pages):
            return None
        report = self.run(pages[self.ran], enqueue)
        self.ran += 1
        return report

    def run_all(self) -> int:
        """Run page tasks until none is left to run; answers how many ran."""
        before = self.ran
        while self.run_next() is not None:
            pass
        return self.ran - before

    def items(self) -> list[dict[str, Any]]:
        return [task.data for task in self.queue.of(self.sweep.item_task)]
