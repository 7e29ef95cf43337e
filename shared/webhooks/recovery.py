"""Fan-out recovery: events whose fan-out has not completed 5 minutes on are fanned out again (for a day).

`on_event_created` is a Firestore trigger without retries (firebase-functions 0.6.0): an instance that
dies midway leaves some subscribers without a delivery. Every 5 minutes a sweep (shared/sweeps.py)
pages through the events still `fanoutPending` and queues one `taskFanOutEvent` per event, which runs
the fan-out again: a delivery already created is not created twice and its task id is the same, so
only what is missing is added.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import StringConstraints

from shared import tasks
from shared.models.base import InputModel, TeamId
from shared.models.sweeps import DueItem
from shared.store import events as store
from shared.sweeps import Sweep
from shared.webhooks.fanout import Enqueue, fan_out

# A fan-out runs within a minute (the trigger's time limit); after 5 it is not coming back.
GRACE = timedelta(minutes=5)
# An event whose fan-out still fails after a day of sweeps (a subscriber's broken document, say) is
# left alone, as deliveries give up after about a day of attempts: a sweep every 5 minutes for ever
# would not help it.
GIVE_UP_AFTER = timedelta(days=1)

EventId = Annotated[str, StringConstraints(min_length=1, max_length=400, pattern=r"^[A-Za-z0-9_.@+-]+$")]


class FanOutTask(InputModel):
    team_id: TeamId
    event_id: EventId


def _pending(scheduled_at: datetime, after: DueItem | None, limit: int) -> list[DueItem]:
    return store.fanouts_pending(scheduled_at - GIVE_UP_AFTER, scheduled_at - GRACE, after, limit)


FANOUT_RECOVERY_SWEEP = Sweep(
    name="recover-fanouts",
    every=timedelta(minutes=5),
    page_task="taskRecoverFanoutsPage",
    item_task="taskFanOutEvent",
    sources={"pending": _pending},
    item=lambda item: {"teamId": item.team_id, "eventId": item.document_id},
)


def run_fan_out(task: FanOutTask, enqueue: Enqueue = tasks.enqueue) -> int:
    """One event's fan-out, again: completes what is missing and marks the event done."""
    return fan_out(task.team_id, task.event_id, enqueue)
