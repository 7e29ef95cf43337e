"""The console's side of outgoing webhooks: deliveries, a retry now, secret rotation, EventBridge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared import errors, sealed, standard_webhooks, tasks
from shared.auth import Caller, require_admin, require_member
from shared.crypto import mask
from shared.integrations import config as configs
from shared.integrations.service import forget_cached, load, seal, unseal
from shared.models.base import Page
from shared.models.integrations import (
    IntegrationCredentialsDoc,
    IntegrationDoc,
    IntegrationRef,
    IntegrationType,
)
from shared.models.webhooks import (
    DeliveryDoc,
    DeliveryListQuery,
    DeliveryPublic,
    DeliveryRef,
    DeliveryStatus,
    EventBridgeDestinationCreate,
    EventSubscriptionDoc,
    EventSubscriptionList,
    EventSubscriptionListQuery,
    EventSubscriptionPublic,
    EventSubscriptionRef,
    SigningSecretRotated,
)
from shared.pagination import decode_cursor, page_of
from shared.store import deliveries as store
from shared.store import integrations as integration_store
from shared.store import paths
from shared.store import secrets as secret_store
from shared.webhooks.delivery import AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
from shared.webhooks.fanout import DELIVERY_TASK

ROTATION_OVERLAP = timedelta(hours=24)


def delivery_to_public(doc: DeliveryDoc) -> DeliveryPublic:
    return DeliveryPublic(
        **doc.model_dump(exclude={"team_id", "attempts"}),
        attempts=[attempt.model_dump(mode="json", by_alias=True) for attempt in doc.attempts],
    )


def list_deliveries(caller: Caller, data: DeliveryListQuery) -> Page[DeliveryPublic]:
    require_member(caller, data.team_id)
    after = decode_cursor(data.cursor) if data.cursor else None
    docs = store.list_deliveries(data.team_id, data.status, data.integration_id, data.limit + 1, after)
    return page_of(docs, data.limit, delivery_to_public, lambda doc: (doc.created_at, doc.id))


def retry_delivery(
    caller: Caller, data: DeliveryRef, enqueue: Callable[..., bool] = tasks.enqueue
) -> DeliveryPublic:
    """Try a failed delivery again now (one more attempt; the schedule continues from it if it fails)."""
    require_admin(caller, data.team_id)
    delivery = store.get_delivery(data.team_id, data.delivery_id)
    if delivery is None:
        raise errors.NotFound("delivery not found", field="deliveryId")
    if delivery.status is DeliveryStatus.SUCCEEDED:
        raise errors.FailedPrecondition("the delivery succeeded already", field="deliveryId")
    now = datetime.now(UTC)
    store.update_delivery(
        data.team_id,
        data.delivery_id,
        {"status": DeliveryStatus.RETRYING.value, "nextAttemptAt": now, "updatedAt": now},
    )
    enqueue(
        DELIVERY_TASK,
        {"teamId": data.team_id, "deliveryId": data.delivery_id, "attempt": delivery.attempt_count + 1},
        tasks.task_id(data.team_id, data.delivery_id, str(delivery.attempt_count + 1), "manual"),
    )
    refreshed = store.get_delivery(data.team_id, data.delivery_id)
    assert refreshed is not None
    return delivery_to_public(refreshed)


def rotate_signing_secret(caller: Caller, data: IntegrationRef) -> SigningSecretRotated:
    """A new `whsec_` secret, shown once; the old one keeps signing (second signature) for 24 hours."""
    require_admin(caller, data.team_id)
    integration = load(data.team_id, data.integration_id)
    if integration.type is not IntegrationType.WEBHOOK:
        raise errors.FailedPrecondition(
            "only webhook integrations have a signing secret", field="integrationId"
        )
    new_secret = standard_webhooks.generate_secret()
    expires_at = datetime.now(UTC) + ROTATION_OVERLAP

    def change(
        current: IntegrationDoc, credentials: IntegrationCredentialsDoc | None
    ) -> tuple[IntegrationDoc, IntegrationCredentialsDoc | None]:
        secrets = unseal(credentials)
        secrets[configs.PREVIOUS_SIGNING_SECRET] = secrets[configs.SIGNING_SECRET]
        secrets[configs.SIGNING_SECRET] = new_secret
        updated = current.model_copy(
            update={"previous_secret_expires_at": expires_at, "updated_at": datetime.now(UTC)}
        )
        return updated, seal(current.team_id, current.id, secrets)

    integration_store.update(data.team_id, data.integration_id, change)
    forget_cached(data.team_id, data.integration_id)
    return SigningSecretRotated(
        id=data.integration_id, signing_secret=new_secret, previous_secret_expires_at=expires_at
    )


def subscription_to_public(doc: EventSubscriptionDoc) -> EventSubscriptionPublic:
    return EventSubscriptionPublic.model_validate(doc.model_dump(exclude={"delivery_failing_since"}))


def create_eventbridge_destination(
    caller: Caller, data: EventBridgeDestinationCreate
) -> EventSubscriptionPublic:
    require_admin(caller, data.team_id)
    now = datetime.now(UTC)
    subscription = EventSubscriptionDoc(
        id=store.new_subscription_id(data.team_id),
        team_id=data.team_id,
        kind="eventbridge",
        events=list(data.events),
        region=data.region,
        event_bus_name=data.event_bus_name,
        source=data.source,
        target_hint=f"{data.event_bus_name} in {data.region} as {mask(data.access_key_id)}",
        created_at=now,
        updated_at=now,
    )
    owner = paths.subscription_secrets(data.team_id, subscription.id)
    encrypted, key_version = sealed.seal(
        owner, {AWS_ACCESS_KEY_ID: data.access_key_id, AWS_SECRET_ACCESS_KEY: data.secret_access_key}
    )
    secret_store.put_sealed(owner, encrypted, key_version)
    store.put_subscription(subscription)
    return subscription_to_public(subscription)


def list_subscriptions(caller: Caller, data: EventSubscriptionListQuery) -> EventSubscriptionList:
    require_member(caller, data.team_id)
    return EventSubscriptionList(
        items=[subscription_to_public(doc) for doc in store.list_subscriptions(data.team_id)]
    )


def delete_subscription(caller: Caller, data: EventSubscriptionRef) -> EventSubscriptionList:
    require_admin(caller, data.team_id)
    store.delete_subscription(data.team_id, data.subscription_id)
    return EventSubscriptionList(
        items=[subscription_to_public(doc) for doc in store.list_subscriptions(data.team_id)]
    )
