"""Fan an event out: one delivery document and one task per subscriber of its type.

An event stays `fanoutPending` until every subscriber has its delivery and its task; a fan-out that
died midway is run again by the recovery sweep (shared/webhooks/recovery.py), which the derived
delivery and task ids make safe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shared import log, tasks
from shared.models.integrations import IntegrationType
from shared.models.webhooks import DeliveryDoc, SubscriberKind
from shared.store import deliveries as store
from shared.store import events as event_store

DELIVERY_TASK = "taskDeliverEvent"

Enqueue = Callable[..., bool]


def subscribed(patterns: list[str], event_type: str) -> bool:
    """`*` takes everything, `ticket.*` a group, `ticket.created` one type."""
    group = event_type.split(".", 1)[0]
    return any(pattern in {"*", event_type, f"{group}.*"} for pattern in patterns)


@dataclass(frozen=True)
class Subscriber:
    kind: SubscriberKind
    integration_id: str | None = None
    subscription_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind.value}_{self.integration_id or self.subscription_id}"


INTEGRATION_KINDS = {
    IntegrationType.WEBHOOK: SubscriberKind.WEBHOOK,
    IntegrationType.SLACK: SubscriberKind.SLACK,
    IntegrationType.ZAPIER: SubscriberKind.ZAPIER_HOOK,
}


def subscribers(team_id: str, event_type: str) -> list[Subscriber]:
    found: list[Subscriber] = []
    for integration in store.enabled_integrations(team_id):
        kind = INTEGRATION_KINDS.get(integration.type)
        if kind is not None and subscribed(list(integration.config.get("events") or []), event_type):
            found.append(Subscriber(kind, integration_id=integration.id))
    for subscription in store.enabled_subscriptions(team_id):
        if subscribed(subscription.events, event_type):
            found.append(Subscriber(SubscriberKind(subscription.kind), subscription_id=subscription.id))
    return found


def delivery_id_for(event_id: str, subscriber: Subscriber) -> str:
    """`{eventId}__{kind}_{subscriberId}`, read back from the right: a subscriber's key never holds `__`
    (kinds are single-underscore words, subscriber ids Firestore auto ids), so the last `__` always
    separates the parts and no two (event, subscriber) pairs share a delivery."""
    return f"{event_id}__{subscriber.key}"


def fan_out(team_id: str, event_id: str, enqueue: Enqueue = tasks.enqueue) -> int:
    """Create and queue the event's deliveries; safe to run again (ids are derived, tasks deduplicated)."""
    event = store.get_event(team_id, event_id)
    if event is None:
        return 0
    now = datetime.now(UTC)
    queued = 0
    for subscriber in subscribers(team_id, event.type):
        delivery_id = delivery_id_for(event_id, subscriber)
        store.create_delivery(
            DeliveryDoc(
                id=delivery_id,
                team_id=team_id,
                event_id=event_id,
                event_type=event.type,
                subscriber_kind=subscriber.kind,
                integration_id=subscriber.integration_id,
                subscription_id=subscriber.subscription_id,
                created_at=now,
                updated_at=now,
            )
        )
        # Queued even when the delivery existed: a redelivered fan-out may have crashed before this,
        # and the derived task id makes a second queueing a no-op.
        # For attempt 1 only: should Cloud Tasks have forgotten the id by the time a recovery queues
        # it again, the task finds attempt 1 made and does nothing, instead of attempting out of turn.
        if enqueue(
            DELIVERY_TASK,
            {"teamId": team_id, "deliveryId": delivery_id, "attempt": 1},
            tasks.task_id(team_id, delivery_id, "1"),
        ):
            queued += 1
    event_store.mark_fanned_out(team_id, event_id, datetime.now(UTC))
    log.info("event fanned out", eventId=event_id, eventType=event.type, queued=queued)
    return queued
