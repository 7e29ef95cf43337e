"""Outgoing event deliveries: events, subscriptions (Zapier REST hooks, EventBridge), deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, StringConstraints

from shared.models.base import Cursor, DocumentId, InputModel, ListLimit, PublicModel, StoredModel, TeamId
from shared.models.integrations import EventType


class EventDoc(StoredModel):
    """`teams/{teamId}/events/{eventId}`: the Standard Webhooks envelope of one product event."""

    id: str
    type: str
    timestamp: str
    data: dict[str, Any]

    def envelope(self) -> dict[str, Any]:
        return {"type": self.type, "timestamp": self.timestamp, "data": self.data}


class SubscriberKind(StrEnum):
    WEBHOOK = "webhook"
    SLACK = "slack"
    ZAPIER_HOOK = "zapier_hook"
    ZAPIER_REST_HOOK = "zapier_rest_hook"
    EVENTBRIDGE = "eventbridge"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DeliveryAttempt(StoredModel):
    attempt: int
    at: datetime
    status_code: int | None = None
    duration_ms: float
    error: str | None = None


class DeliveryDoc(StoredModel):
    """`teams/{teamId}/deliveries/{eventId}__{subscriber}`: one event to one subscriber, every attempt."""

    id: str
    team_id: str
    event_id: str
    event_type: str
    subscriber_kind: SubscriberKind
    integration_id: str | None = None
    subscription_id: str | None = None
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempt_count: int = 0
    attempts: list[DeliveryAttempt] = Field(default_factory=list)
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    updated_at: datetime
    succeeded_at: datetime | None = None


class DeliveryPublic(PublicModel):
    id: str
    event_id: str
    event_type: str
    subscriber_kind: SubscriberKind
    integration_id: str | None = None
    subscription_id: str | None = None
    status: DeliveryStatus
    attempt_count: int
    attempts: list[dict[str, Any]]
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    updated_at: datetime
    succeeded_at: datetime | None = None


class DeliveryListQuery(InputModel):
    team_id: TeamId
    status: Annotated[DeliveryStatus, Strict(False)] | None = None
    integration_id: DocumentId | None = None
    limit: ListLimit = 50
    cursor: Cursor | None = None


class DeliveryRef(InputModel):
    team_id: TeamId
    delivery_id: Annotated[
        str, StringConstraints(min_length=1, max_length=400, pattern=r"^[A-Za-z0-9_.@+-]+$")
    ]


class EventSubscriptionDoc(StoredModel):
    """`teams/{teamId}/eventSubscriptions/{id}`: a Zapier REST hook or an EventBridge destination.

    Secrets (Zapier's target URL, AWS credentials) are sealed in `secrets/subscription_...`.
    """

    id: str
    team_id: str
    kind: Literal["zapier_rest_hook", "eventbridge"]
    integration_id: str | None = None
    events: list[str]
    enabled: bool = True
    # EventBridge: where events go.
    region: str | None = None
    event_bus_name: str | None = None
    source: str | None = None
    target_hint: str | None = None
    delivery_failing_since: datetime | None = None
    created_at: datetime
    updated_at: datetime


class EventSubscriptionPublic(PublicModel):
    id: str
    team_id: str
    kind: str
    integration_id: str | None = None
    events: list[str]
    enabled: bool
    region: str | None = None
    event_bus_name: str | None = None
    source: str | None = None
    target_hint: str | None = None
    created_at: datetime
    updated_at: datetime


AwsRegion = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")]


class EventBridgeDestinationCreate(InputModel):
    """Send a team's events to an Amazon EventBridge bus (PutEvents)."""

    team_id: TeamId
    region: AwsRegion
    event_bus_name: Annotated[
        str, StringConstraints(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9/._:-]+$")
    ]
    source: Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9._-]+$")] = (
        "helpdesk.integrations"
    )
    events: Annotated[list[EventType], Field(min_length=1, max_length=100)]
    access_key_id: Annotated[str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Z0-9]+$")]
    secret_access_key: Annotated[str, StringConstraints(min_length=16, max_length=256)]


class EventSubscriptionRef(InputModel):
    team_id: TeamId
    subscription_id: DocumentId


class EventSubscriptionListQuery(InputModel):
    team_id: TeamId


class EventSubscriptionList(PublicModel):
    items: list[EventSubscriptionPublic]


class SigningSecretRotated(PublicModel):
    """The new secret, shown once; the old one keeps signing until `previousSecretExpiresAt`."""

    id: str
    signing_secret: str
    previous_secret_expires_at: datetime
