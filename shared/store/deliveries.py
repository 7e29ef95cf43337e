"""Events, deliveries, their attempt claims, and event subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import errors
from shared.models.integrations import IntegrationDoc
from shared.models.webhooks import DeliveryDoc, DeliveryStatus, EventDoc, EventSubscriptionDoc
from shared.store import paths
from shared.store.client import db, from_snapshot, translated_errors


def get_event(team_id: str, event_id: str) -> EventDoc | None:
    with translated_errors():
        snapshot = db().document(paths.event(team_id, event_id)).get()
    if not snapshot.exists:
        return None
    return from_snapshot(EventDoc, snapshot)


def enabled_integrations(team_id: str) -> list[IntegrationDoc]:
    """The team's enabled integrations (a team has tens, not thousands: one small query per event)."""
    query = db().collection(paths.integrations(team_id)).where(filter=FieldFilter("enabled", "==", True))
    with translated_errors():
        snapshots = list(query.stream())
    return [from_snapshot(IntegrationDoc, snapshot, teamId=team_id) for snapshot in snapshots]


def _subscription(snapshot: firestore.DocumentSnapshot[Any], team_id: str) -> EventSubscriptionDoc:
    return from_snapshot(EventSubscriptionDoc, snapshot, teamId=team_id)


def enabled_subscriptions(team_id: str) -> list[EventSubscriptionDoc]:
    query = (
        db().collection(paths.event_subscriptions(team_id)).where(filter=FieldFilter("enabled", "==", True))
    )
    with translated_errors():
        return [_subscription(snapshot, team_id) for snapshot in query.stream()]


def list_subscriptions(team_id: str) -> list[EventSubscriptionDoc]:
    with translated_errors():
        snapshots = list(db().collection(paths.event_subscriptions(team_id)).limit(200).stream())
    return [_subscription(snapshot, team_id) for snapshot in snapshots]


def get_subscription(team_id: str, subscription_id: str) -> EventSubscriptionDoc | None:
    with translated_errors():
        snapshot = db().document(paths.event_subscription(team_id, subscription_id)).get()
    return _subscription(snapshot, team_id) if snapshot.exists else None


def new_subscription_id(team_id: str) -> str:
    subscription_id: str = db().collection(paths.event_subscriptions(team_id)).document().id
    return subscription_id


def put_subscription(subscription: EventSubscriptionDoc) -> None:
    body = subscription.to_firestore()
    body.pop("teamId", None)
    with translated_errors():
        db().document(paths.event_subscription(subscription.team_id, subscription.id)).set(body)


def update_subscription(team_id: str, subscription_id: str, fields: dict[str, Any]) -> None:
    try:
        with translated_errors():
            db().document(paths.event_subscription(team_id, subscription_id)).update(fields)
    except errors.NotFound:
        pass


def delete_subscription(team_id: str, subscription_id: str) -> bool:
    ref = db().document(paths.event_subscription(team_id, subscription_id))
    with translated_errors():
        existed = ref.get().exists
        ref.delete()
        db().document(paths.subscription_secrets(team_id, subscription_id)).delete()
    return bool(existed)


def update_integration(team_id: str, integration_id: str, fields: dict[str, Any]) -> None:
    try:
        with translated_errors():
            db().document(paths.integration(team_id, integration_id)).update(fields)
    except errors.NotFound:
        pass


# ---------------------------------------------------------------- deliveries


def _delivery(snapshot: firestore.DocumentSnapshot[Any], team_id: str) -> DeliveryDoc:
    return from_snapshot(DeliveryDoc, snapshot, teamId=team_id)


def create_delivery(delivery: DeliveryDoc) -> bool:
    """Create it once; False when it exists (a redelivered fan-out)."""
    body = delivery.to_firestore()
    body.pop("teamId", None)
    try:
        with translated_errors():
            db().document(paths.delivery(delivery.team_id, delivery.id)).create(body)
    except errors.AlreadyExists:
        return False
    return True


def get_delivery(team_id: str, delivery_id: str) -> DeliveryDoc | None:
    with translated_errors():
        snapshot = db().document(paths.delivery(team_id, delivery_id)).get()
    return _delivery(snapshot, team_id) if snapshot.exists else None


def claim_attempt(team_id: str, delivery_id: str, attempt: int) -> bool:
    """Only one worker makes attempt `attempt` of a delivery, however often its task is delivered."""
    ref = db().document(f"{paths.delivery(team_id, delivery_id)}/attempts/{attempt}")
    try:
        with translated_errors():
            ref.create({"claimedAt": firestore.SERVER_TIMESTAMP})
    except errors.AlreadyExists:
        return False
    return True


def update_delivery(team_id: str, delivery_id: str, fields: dict[str, Any]) -> None:
    with translated_errors():
        db().document(paths.delivery(team_id, delivery_id)).update(fields)


def list_deliveries(
    team_id: str,
    status: DeliveryStatus | None,
    integration_id: str | None,
    limit: int,
    after: tuple[datetime, str] | None,
) -> list[DeliveryDoc]:
    collection = db().collection(paths.deliveries(team_id))
    query: Any = collection
    if status is not None:
        query = query.where(filter=FieldFilter("status", "==", status.value))
    if integration_id is not None:
        query = query.where(filter=FieldFilter("integrationId", "==", integration_id))
    query = query.order_by("createdAt", direction=firestore.Query.DESCENDING).order_by(
        "__name__", direction=firestore.Query.DESCENDING
    )
    if after is not None:
        created_at, delivery_id = after
        query = query.start_after({"createdAt": created_at, "__name__": collection.document(delivery_id)})
    with translated_errors():
        return [_delivery(snapshot, team_id) for snapshot in query.limit(limit).stream()]
