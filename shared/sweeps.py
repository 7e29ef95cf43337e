"""Scheduled jobs at scale: a due set paged by an indexed cursor and fanned out by task ("paged fan-out").

A scheduled function has 60 s, a due set may hold 100,000 items, and one enqueue takes tens of
milliseconds. So a job never walks its due set: it queues one *page task* per source of due items (an
indexed range query) and returns. A page task reads one page after its cursor, queues the task of the
next page **first**, then one *item task* per item of its page. The walk down the cursor is serial but
cheap (one query and one enqueue per page); the items are queued by as many page tasks at once as the
page queue dispatches.

Why a chain of page tasks rather than the job queueing every page by cursor: to know where the pages
start, the job would read the whole due set inside its own 60 s, which is the limit we are removing
with a larger constant, and every item would be read twice. Here the job does the same small work
whatever the size of the due set.

Crash safety comes from ids, not bookkeeping. Every task id derives from the sweep, the schedule slot
and either the cursor (page tasks) or the item's document path (item tasks); the due thresholds derive
from the tick's time, which every page task carries, so a retried page reads the same page. A page
task that dies midway is retried by Cloud Tasks and queues again what it had queued (refused as
duplicates) and the rest; a redelivered page queues nothing new; a job run twice in one slot queues its
first pages once. A page retried after the due set changed may end at another item and start a second
walk from there: more enqueues, every one refused when already queued, and no item skipped. The due set
is state (a field the query ranges over), so what a slot misses for good (a page task out of retries)
the next slot finds again.

A new scheduled job (the sync scheduler, say) is a `Sweep`: its due query, a store function over
`shared.store.paging.due_page` with its collection-group index in firestore.indexes.json; a `job_*`
function calling `start(event.schedule_time)`; a `task*Page` function calling `run_page`; its item task;
and its line in tools/local_scheduler.py. tests/unit/test_sweeps.py checks the last three and the index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import errors, log, tasks
from shared.models.sweeps import DueItem, PageTask

# What one page task reads and queues: 200 items take a few seconds of enqueues, well inside a task's
# time limit, and 100,000 due items make a chain of 500 pages.
PAGE_SIZE = 200

# A source of due items: (scheduled_at, after, limit) -> up to `limit` items after `after`, in index
# order, due as of the tick's time (not the clock's: a retried page must read the same page).
DueQuery = Callable[[datetime, DueItem | None, int], list[DueItem]]
Enqueue = Callable[..., bool]


@dataclass(frozen=True)
class PageReport:
    items: int
    queued: int
    next_page: bool


@dataclass(frozen=True)
class Sweep:
    """A scheduled job's due set, its page task and its item task."""

    # Names the sweep in task ids and logs.
    name: str
    # The schedule's period: one slot per period; the slot's start is in every id, so a tick run twice
    # (a retried job, or two runs a few seconds apart) queues its tasks once.
    every: timedelta
    page_task: str
    item_task: str
    sources: Mapping[str, DueQuery]
    # The item task's input for one due item.
    item: Callable[[DueItem], dict[str, Any]]
    page_size: int = PAGE_SIZE

    def slot(self, at: datetime) -> datetime:
        """The schedule slot `at` falls in: the same for every run of one tick, whatever its delay."""
        period = int(self.every.total_seconds())
        return datetime.fromtimestamp(int(at.timestamp()) // period * period, UTC)

    def start(
        self, at: datetime | None = None, enqueue: Enqueue = tasks.enqueue, page_size: int | None = None
    ) -> int:
        """What the job runs at its tick: queue each source's first page; answers how many were new."""
        scheduled_at = at or datetime.now(UTC)
        queued = sum(
            self._queue_page(enqueue, scheduled_at, source, None, page_size or self.page_size)
            for source in self.sources
        )
        log.info("sweep started", sweep=self.name, slot=self.slot(scheduled_at).isoformat(), queued=queued)
        return queued

    def run_page(self, task: PageTask, enqueue: Enqueue = tasks.enqueue) -> PageReport:
        """What a page task runs: the next page's task, then one task per item of this page."""
        due_query = self.sources.get(task.source)
        if due_query is None:
            raise errors.InvalidArgument(f"{self.name} has no source {task.source}", field="source")
        # One more than a page, to tell whether another page follows without queueing an empty one.
        found = due_query(task.scheduled_at, task.after, task.page_size + 1)
        page = found[: task.page_size]
        next_page = len(found) > task.page_size
        if next_page:
            # Before the items: once it is queued, a crash in this page loses nothing further on.
            self._queue_page(enqueue, task.scheduled_at, task.source, page[-1], task.page_size)
        slot = self.slot(task.scheduled_at)
        queued = sum(enqueue(self.item_task, self.item(item), self.item_task_id(slot, item)) for item in page)
        log.info(
            "sweep page done",
            sweep=self.name,
            source=task.source,
            items=len(page),
            queued=queued,
            more=next_page,
        )
        return PageReport(items=len(page), queued=queued, next_page=next_page)

    def item_task_id(self, slot: datetime, item: DueItem) -> str:
        # The path, not the source: an item due for two reasons is queued once per slot.
        return tasks.task_id(self.name, slot.isoformat(), item.path)

    def _queue_page(
        self, enqueue: Enqueue, scheduled_at: datetime, source: str, after: DueItem | None, page_size: int
    ) -> bool:
        slot = self.slot(scheduled_at)
        position = ("start",) if after is None else (after.at.isoformat(), after.path)
        data: dict[str, Any] = {
            "scheduledAt": scheduled_at.isoformat(),
            "source": source,
            "after": after.model_dump(mode="json") if after is not None else None,
            "pageSize": page_size,
        }
        return enqueue(self.page_task, data, tasks.task_id(self.name, slot.isoformat(), source, *position))
