"""The token-refresh schedule: every 10 minutes, one task per due connection, paged (shared/sweeps.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.models.base import InputModel, TeamId
from shared.models.oauth import OAuthId
from shared.models.sweeps import DueItem
from shared.oauth import tokens
from shared.store import oauth as store
from shared.sweeps import Sweep

REFRESH_TASK = "taskRefreshToken"


class RefreshTask(InputModel):
    team_id: TeamId
    oauth_id: OAuthId


def _expiring(scheduled_at: datetime, after: DueItem | None, limit: int) -> list[DueItem]:
    return store.connections_expiring(scheduled_at + tokens.REFRESH_AHEAD, after, limit)


def _idle(scheduled_at: datetime, after: DueItem | None, limit: int) -> list[DueItem]:
    return store.connections_idle(scheduled_at - tokens.REFRESH_AT_LEAST_EVERY, after, limit)


# Active connections expiring within 15 minutes or not refreshed for 24 hours: two indexed ranges.
REFRESH_SWEEP = Sweep(
    name="refresh-tokens",
    every=timedelta(minutes=10),
    page_task="taskRefreshTokensPage",
    item_task=REFRESH_TASK,
    sources={"expiring": _expiring, "idle": _idle},
    item=lambda item: {"teamId": item.team_id, "oauthId": item.document_id},
)


def run_refresh(task: RefreshTask) -> str:
    """One connection's refresh, from its task: transient failures raise (Cloud Tasks retries)."""
    return tokens.refresh_if_due(task.team_id, task.oauth_id)
