"""The delivery task's input and handler."""

from __future__ import annotations

from shared.models.base import InputModel, TeamId
from shared.models.webhooks import DeliveryRef
from shared.webhooks.delivery import deliver


class DeliveryTask(InputModel):
    team_id: TeamId
    delivery_id: str


def run_delivery(task: DeliveryTask) -> str:
    DeliveryRef.model_validate({"teamId": task.team_id, "deliveryId": task.delivery_id})
    return deliver(task.team_id, task.delivery_id)
