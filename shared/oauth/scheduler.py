"""The token-refresh schedule: a sweep every 10 minutes fans out one task per due connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shared import log, tasks
from shared.models.base import InputModel, TeamId
from shared.models.oauth import OAuthId
from shared.oauth import tokens
from shared.store import oauth as store

REFRESH_TASK = "taskRefreshToken"
SWEEP_MINUTES = 10

Enqueue = Callable[[str, dict[str, str], str], bool]


class RefreshTask(InputModel):
    team_id: TeamId
    oauth_id: OAuthId


@dataclass(frozen=True)
class SweepReport:
    due: int
    queued: int


def _slot(now: datetime) -> str:
    """The schedule slot: tasks for the same connection in the same slot are one task."""
    minute = now.minute - now.minute % SWEEP_MINUTES
    return now.replace(minute=minute, second=0, microsecond=0).isoformat()


def sweep(now: datetime | None = None, enqueue: Enqueue = tasks.enqueue) -> SweepReport:
    """Queue a refresh for every active connection expiring within 15 minutes or idle for 24 hours.

    Idempotent per slot: a re-run of the same schedule tick queues nothing twice.
    """
    now = now or datetime.now(UTC)
    due = store.connections_due(now, tokens.REFRESH_AHEAD, tokens.REFRESH_AT_LEAST_EVERY)
    queued = 0
    for team_id, oauth_id in due:
        data = {"teamId": team_id, "oauthId": oauth_id}
        if enqueue(REFRESH_TASK, data, tasks.task_id("refresh", team_id, oauth_id, _slot(now))):
            queued += 1
    log.info("token refresh sweep", due=len(due), queued=queued)
    return SweepReport(due=len(due), queued=queued)


def run_refresh(task: RefreshTask) -> str:
    """One connection's refresh, from its task: transient failures raise (Cloud Tasks retries)."""
    return tokens.refresh_if_due(task.team_id, task.oauth_id)
