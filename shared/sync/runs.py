"""Runs: started by `sync_run_now` or the scheduler, run by `taskRunSync`, one at a time per configuration.

A run holds its configuration (`activeRunId`, `activeUntil`) from the moment it is queued; a second start
while it holds answers the run that holds it. The hold lasts 10 minutes past the last page written, so
a run whose task died for good lets go, and the next start marks it failed ("interrupted") before
starting anew from the checkpoints it left. The task works page by page for its time budget, then queues
its own continuation (task ids derive from the run and the continuation's number: a redelivered task
queues nothing twice). A failure ends the run `failed` with its reason; the next run resumes from the
last checkpoint, so nothing is lost and nothing is done twice.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import Field

from shared import errors, ids, log, sweeps
from shared.connectors.crm import CrmError
from shared.models.base import DocumentId, InputModel, TeamId, Timestamp
from shared.models.sweeps import DueItem
from shared.models.sync import ACTIVE_STATUSES, RunStatus, RunTrigger, SyncConfigDoc, SyncRunDoc
from shared.settings import get_settings
from shared.store import sync as store
from shared.sync import engine
from shared.sync.connection import remote_of

DUE_PAGE_TASK = "taskRunDueSyncsPage"


class SyncTask(InputModel):
    """Run (or start, for the scheduler: no `runId`) one configuration's sync."""

    team_id: TeamId
    config_id: DocumentId
    run_id: DocumentId | None = None
    # The scheduler's due time for this configuration: the scheduled run's id derives from it.
    scheduled_for: Timestamp | None = None
    continuation: Annotated[int, Field(ge=0, le=10_000)] = 0


def _claim(trigger: RunTrigger, run_id: str, scheduled_for: datetime | None):  # type: ignore[no-untyped-def]
    """The transaction's decision: start a run unless one holds the configuration."""

    def decide(config: SyncConfigDoc) -> tuple[SyncConfigDoc | None, SyncRunDoc | None]:
        now = datetime.now(UTC)
        holding = (
            config.active_run_id is not None and config.active_until is not None and config.active_until > now
        )
        if holding:
            return None, None
        if scheduled_for is not None and (
            not config.enabled or config.next_run_at is None or config.next_run_at > scheduled_for
        ):
            return None, None  # this tick's run was made (or the configuration changed) meanwhile
        bound, local_bound = engine.signposts(now)
        pulls = config.sync_direction.value != "push"
        run = SyncRunDoc(
            id=run_id,
            team_id=config.team_id,
            config_id=config.id,
            integration_id=config.integration_id,
            status=RunStatus.QUEUED,
            trigger=trigger,
            phase="pull" if pulls else "push",
            bound=bound,
            local_bound=local_bound,
            created_at=now,
        )
        changed = config.model_copy(
            update={
                "active_run_id": run_id,
                "active_until": now + engine.HOLD,
                # The schedule moves on from this run's start (a manual run does not shift it).
                "next_run_at": now + timedelta(milliseconds=config.frequency)
                if trigger is RunTrigger.SCHEDULE
                else config.next_run_at,
            }
        )
        return changed, run

    return decide


def start(
    team_id: str, config_id: str, trigger: RunTrigger, scheduled_for: datetime | None = None
) -> tuple[str | None, bool]:
    """(the run's id, whether it is new): queue a run unless one holds the configuration."""
    config = store.get_config(team_id, config_id)
    if config is None:
        raise errors.NotFound("sync configuration not found", field="configId")
    _interrupt_stale(config)
    run_id = (
        "sched-" + ids.digest(config_id, scheduled_for.isoformat(), length=32)
        if scheduled_for is not None
        else store.new_run_id(team_id)
    )
    if scheduled_for is not None and store.get_run(team_id, run_id) is not None:
        return run_id, False  # a redelivered scheduler task: that run exists already
    current, run = store.claim_for_run(team_id, config_id, _claim(trigger, run_id, scheduled_for))
    if run is None:
        return current.active_run_id, False
    engine.enqueue_run(team_id, config_id, run.id, 0)
    return run.id, True


def _interrupt_stale(config: SyncConfigDoc) -> None:
    """A run whose hold lapsed died for good (its task out of retries): record it failed."""
    now = datetime.now(UTC)
    if config.active_run_id is None or config.active_until is None or config.active_until > now:
        return
    stale = store.get_run(config.team_id, config.active_run_id)
    if stale is not None and stale.status in ACTIVE_STATUSES:
        store.update_run(
            config.team_id,
            stale.id,
            {"status": RunStatus.FAILED.value, "finishedAt": now, "error": "interrupted: its task stopped"},
        )


def execute(task: SyncTask) -> str:
    """What `taskRunSync` does: the scheduler's start, or a run's next stretch of pages."""
    if task.run_id is None:
        run_id, created = start(task.team_id, task.config_id, RunTrigger.SCHEDULE, task.scheduled_for)
        return f"started {run_id}" if created else "not started: a run holds the configuration"
    config = store.get_config(task.team_id, task.config_id)
    run = store.get_run(task.team_id, task.run_id)
    if config is None or run is None:
        return "skipped: the configuration or the run is gone"
    if run.status not in ACTIVE_STATUSES:
        return f"skipped: the run is {run.status.value}"
    if config.active_run_id != run.id:
        store.update_run(
            task.team_id,
            run.id,
            {"status": RunStatus.FAILED.value, "finishedAt": datetime.now(UTC), "error": "superseded"},
        )
        return "skipped: another run holds the configuration"
    if run.status is RunStatus.QUEUED:
        run.status = RunStatus.RUNNING
        run.started_at = datetime.now(UTC)
        store.update_run(task.team_id, run.id, {"status": run.status.value, "startedAt": run.started_at})
    deadline = time.monotonic() + get_settings().sync_run_budget_seconds
    try:
        runner = engine.Runner(config, run, remote_of(config), deadline)
        finished = runner.work()
    except (CrmError, engine.Stalled, errors.AppError) as error:
        log.warning("sync run failed", runId=run.id, reason=error.message)
        engine.finish_run(engine.Runner(config, run, None, 0.0), RunStatus.FAILED, error.message)
        return "failed"
    if not finished:
        engine.enqueue_run(task.team_id, task.config_id, run.id, task.continuation + 1)
        store.update_run(task.team_id, run.id, {"continuations": task.continuation + 1})
        return f"continued ({run.pages} pages so far)"
    status = RunStatus.PARTIAL if run.counts.failed else RunStatus.SUCCEEDED
    engine.finish_run(runner, status, None)
    return status.value


# ---------------------------------------------------------------- the scheduler's due set

DUE_SYNCS = sweeps.Sweep(
    name="run-due-syncs",
    every=timedelta(minutes=1),
    page_task=DUE_PAGE_TASK,
    item_task=engine.RUN_TASK,
    sources={"due": store.configs_due},
    item=lambda item: _scheduled_task(item),
)


def _scheduled_task(item: DueItem) -> dict[str, object]:
    return {"teamId": item.team_id, "configId": item.document_id, "scheduledFor": item.at.isoformat()}
