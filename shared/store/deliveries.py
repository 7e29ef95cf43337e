"""Events, deliveries, their attempt claims, and event subscriptions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import errors
from shared.models.integrations import IntegrationCredentialsDoc, IntegrationDoc
from shared.models.request_logs import RequestLogDoc
from shared.models.webhooks import (
    DeliveryDoc,
    DeliveryStatus,
    EventDoc,
    EventSubscriptionDoc,
    SubscriberKind,
)
from shared.store import paths, records, request_logs
from shared.store.client import background, db, from_snapshot, translated_errors
from shared.store.secrets import sealed_of

# Subscribers that are integrations; the other kinds are event subscriptions.
INTEGRATION_KINDS = frozenset({SubscriberKind.WEBHOOK, SubscriberKind.SLACK, SubscriberKind.ZAPIER_HOOK})


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


def delete_subscription(team_id: str, subscription_id: str) -> bool:
    ref = db().document(paths.event_subscription(team_id, subscription_id))
    with translated_errors():
        existed = ref.get().exists
        ref.delete()
        db().document(paths.subscription_secrets(team_id, subscription_id)).delete()
    return bool(existed)


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


def claim_attempt(
    team_id: str, delivery_id: str, attempt: int, claimed_at: datetime | None = None
) -> datetime | None:
    """Only one worker makes attempt `attempt` of a delivery, however often its task is delivered.

    Answers the claim's version (its update time), which the write recording the attempt requires,
    or None when the attempt was claimed already.
    """
    ref = db().document(paths.delivery_attempt(team_id, delivery_id, attempt))
    try:
        with translated_errors():
            result = ref.create({"claimedAt": claimed_at or datetime.now(UTC)})
    except errors.AlreadyExists:
        return None
    version: datetime = result.update_time
    return version


@dataclass(frozen=True)
class Claim:
    claimed_at: datetime
    recorded: bool
    # The update time the write recording the attempt requires (see `record_attempt`).
    version: datetime


def get_claim(team_id: str, delivery_id: str, attempt: int) -> Claim | None:
    with translated_errors():
        snapshot = db().document(paths.delivery_attempt(team_id, delivery_id, attempt)).get()
    if not snapshot.exists:
        return None
    data = snapshot.to_dict() or {}
    return Claim(data["claimedAt"], data.get("recordedAt") is not None, snapshot.update_time)


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
    return records.page_newest_first(
        DeliveryDoc,
        paths.deliveries(team_id),
        {"status": status.value if status is not None else None, "integrationId": integration_id},
        after,
        limit,
        teamId=team_id,
    )


# ---------------------------------------------------------------- one attempt: one read, one commit


@dataclass(frozen=True)
class AttemptDocuments:
    """Everything one attempt reads: the delivery, its event, its subscriber and the subscriber's secrets."""

    delivery: DeliveryDoc | None
    event: EventDoc | None = None
    integration: IntegrationDoc | None = None
    credentials: IntegrationCredentialsDoc | None = None
    subscription: EventSubscriptionDoc | None = None
    # The subscription's sealed secrets (ciphertexts).
    subscription_secrets: dict[str, str] = field(default_factory=dict)


def _integration_paths(team_id: str, integration_id: str) -> list[str]:
    return [paths.integration(team_id, integration_id), paths.integration_secrets(team_id, integration_id)]


def _subscription_paths(team_id: str, subscription_id: str) -> list[str]:
    return [
        paths.event_subscription(team_id, subscription_id),
        paths.subscription_secrets(team_id, subscription_id),
    ]


def _named_by_id(team_id: str, delivery_id: str) -> list[str]:
    """What a delivery id names by the fan-out's scheme, `{eventId}__{kind}_{subscriberId}`."""
    event_id, separator, subscriber = delivery_id.rpartition("__")
    if not separator or not event_id:
        return []
    for kind in SubscriberKind:
        subscriber_id = subscriber.removeprefix(f"{kind.value}_")
        if subscriber_id != subscriber and subscriber_id:
            subscriber_paths = _integration_paths if kind in INTEGRATION_KINDS else _subscription_paths
            return [paths.event(team_id, event_id), *subscriber_paths(team_id, subscriber_id)]
    return [paths.event(team_id, event_id)]


def _needed(delivery: DeliveryDoc) -> list[str]:
    team_id = delivery.team_id
    needed = [paths.event(team_id, delivery.event_id)]
    if delivery.integration_id:
        needed += _integration_paths(team_id, delivery.integration_id)
    if delivery.subscription_id:
        needed += _subscription_paths(team_id, delivery.subscription_id)
    return needed


def _get_all(client: firestore.Client, document_paths: Iterable[str]) -> dict[str, Any]:
    """{path: snapshot} for each path, existing or not, in one round trip."""
    refs = [client.document(path) for path in dict.fromkeys(document_paths)]
    with translated_errors():
        return {snapshot.reference.path: snapshot for snapshot in client.get_all(refs)}


def load_and_claim(
    team_id: str, delivery_id: str, attempt: int, claimed_at: datetime
) -> tuple[AttemptDocuments, datetime | None]:
    """`load_attempt` and `claim_attempt` at once: two round trips in the time of about one."""
    claim = background().submit(claim_attempt, team_id, delivery_id, attempt, claimed_at)
    documents = load_attempt(team_id, delivery_id)
    return documents, claim.result()


def release_claim(team_id: str, delivery_id: str, attempt: int, version: datetime) -> None:
    """Give back a claim taken for an attempt that is not due (unless someone changed it since)."""
    client = db()
    try:
        with translated_errors():
            client.document(paths.delivery_attempt(team_id, delivery_id, attempt)).delete(
                option=client.write_option(last_update_time=version)
            )
    except errors.FailedPrecondition:
        pass


def load_attempt(team_id: str, delivery_id: str) -> AttemptDocuments:
    """The delivery and what its attempt needs, in one `get_all`.

    The event and the subscriber are read with the delivery, from the ids its id names; should the
    delivery say otherwise (an id made by another scheme), what it names is read in a second round trip.
    """
    client = db()
    delivery_path = paths.delivery(team_id, delivery_id)
    found = _get_all(client, [delivery_path, *_named_by_id(team_id, delivery_id)])
    if not found[delivery_path].exists:
        return AttemptDocuments(None)
    delivery = _delivery(found[delivery_path], team_id)
    missing = [path for path in _needed(delivery) if path not in found]
    if missing:
        found.update(_get_all(client, missing))

    def existing(path: str) -> dict[str, Any] | None:
        snapshot = found[path]
        return (
            {**(snapshot.to_dict() or {}), "id": snapshot.id, "teamId": team_id} if snapshot.exists else None
        )

    event = existing(paths.event(team_id, delivery.event_id))
    documents = AttemptDocuments(delivery, EventDoc.model_validate(event) if event else None)
    if delivery.integration_id:
        integration = existing(paths.integration(team_id, delivery.integration_id))
        credentials = existing(paths.integration_secrets(team_id, delivery.integration_id))
        return replace(
            documents,
            integration=IntegrationDoc.model_validate(integration) if integration else None,
            credentials=IntegrationCredentialsDoc.model_validate(credentials) if credentials else None,
        )
    if delivery.subscription_id:
        subscription = existing(paths.event_subscription(team_id, delivery.subscription_id))
        return replace(
            documents,
            subscription=EventSubscriptionDoc.model_validate(subscription) if subscription else None,
            subscription_secrets=sealed_of(
                existing(paths.subscription_secrets(team_id, delivery.subscription_id))
            ),
        )
    return documents


@dataclass(frozen=True)
class SubscriberChange:
    """A change to the delivery's subscriber, made with the attempt's record."""

    integration_id: str | None = None
    subscription_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    # A subscription only: remove it and its secrets (Zapier's REST hooks on 410).
    delete: bool = False


@dataclass(frozen=True)
class NewEvent:
    """An event created with the attempt's record (`subscriber.disabled`), once by its id."""

    event_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class AttemptRecord:
    """Everything one attempt writes, in one batch."""

    team_id: str
    delivery_id: str
    attempt: int
    # The claim's version: the batch applies only while the claim is the one this writer holds.
    claim_version: datetime
    recorded_at: datetime
    delivery_fields: dict[str, Any]
    audit: RequestLogDoc | None = None
    subscriber: SubscriberChange | None = None
    event: NewEvent | None = None


def audit_record_id(delivery_id: str, attempt: int) -> str:
    """The audit record of a delivery's attempt: one id per attempt, so writing it twice keeps one.

    `~` never appears in a delivery id, so no two attempts share an id.
    """
    return f"{delivery_id}~{attempt}"


def _own_writes(client: firestore.Client, batch: firestore.WriteBatch, record: AttemptRecord) -> None:
    team_id = record.team_id
    batch.update(
        client.document(paths.delivery_attempt(team_id, record.delivery_id, record.attempt)),
        {"recordedAt": record.recorded_at},
        option=client.write_option(last_update_time=record.claim_version),
    )
    batch.update(client.document(paths.delivery(team_id, record.delivery_id)), record.delivery_fields)
    if record.audit is not None:
        batch.set(
            client.document(paths.integration_log(team_id, record.audit.id)), request_logs.body(record.audit)
        )


def _subscriber_writes(client: firestore.Client, batch: firestore.WriteBatch, record: AttemptRecord) -> None:
    team_id, change = record.team_id, record.subscriber
    if change is None:
        return
    if change.integration_id:
        batch.update(client.document(paths.integration(team_id, change.integration_id)), change.fields)
    elif change.subscription_id and change.delete:
        batch.delete(client.document(paths.event_subscription(team_id, change.subscription_id)))
        batch.delete(client.document(paths.subscription_secrets(team_id, change.subscription_id)))
    elif change.subscription_id:
        batch.update(
            client.document(paths.event_subscription(team_id, change.subscription_id)), change.fields
        )


def _event_write(client: firestore.Client, batch: firestore.WriteBatch, record: AttemptRecord) -> None:
    if record.event is not None:
        batch.create(client.document(paths.event(record.team_id, record.event.event_id)), record.event.body)


def _commit(batch: firestore.WriteBatch) -> bool:
    try:
        with translated_errors():
            batch.commit()
    except errors.FailedPrecondition:
        return False
    return True


def record_attempt(record: AttemptRecord) -> bool:
    """Commit what the attempt writes in one batch; False, writing nothing, when its claim was taken over.

    A subscriber deleted meanwhile (its update finds no document) or a notice already recorded (its
    `create()` finds one) fails the whole batch: then the attempt's own writes are committed alone, and
    the subscriber's change and the event each after it, as far as they still apply.
    """
    client = db()
    writes = (_own_writes, _subscriber_writes, _event_write)
    batch = client.batch()
    for write in writes:
        write(client, batch, record)
    try:
        return _commit(batch)
    except (errors.NotFound, errors.AlreadyExists):
        if record.subscriber is None and record.event is None:
            raise
    for number, write in enumerate(writes):
        alone = client.batch()
        write(client, alone, record)
        try:
            if len(alone) and not _commit(alone):
                return False
        except (errors.NotFound, errors.AlreadyExists):
            if number == 0:
                raise  # the delivery itself is gone
    return True
