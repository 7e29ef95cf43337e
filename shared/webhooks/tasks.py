"""The delivery task's input and handler."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.models.base import InputModel, TeamId
from shared.models.webhooks import DeliveryRef
from shared.webhooks.delivery import deliver


class DeliveryTask(InputModel):
    team_id: TeamId
    delivery_id: str
    # The attempt this task was queued for; absent in tasks queued before it existed.
    attempt: Annotated[int, Field(ge=1, le=100)] | None = None


def run_delivery(task: DeliveryTask) -> str:
    DeliveryRef.model_validate({"teamId": task.team_id, "deliveryId": task.delivery_id})
    return deliver(task.team_id, task.delivery_id, attempt=task.attempt)
