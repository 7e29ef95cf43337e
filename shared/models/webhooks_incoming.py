"""Incoming webhooks: the sources, the stored event, and the payloads the processing acts on."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import StringConstraints

from shared.models.base import InputModel, StoredModel
from shared.models.integrations import IntegrationType


class Source(StrEnum):
    """Who calls in; each has its own function (`webhook_<source>`) and signature scheme."""

    SLACK = "slack"
    ZAPIER = "zapier"
    HUBSPOT = "hubspot"
    GENERIC = "generic"


# The integration type a source's URL must name (anything else answers 404).
INTEGRATION_TYPE_FOR: dict[Source, IntegrationType] = {
    Source.SLACK: IntegrationType.SLACK,
    Source.ZAPIER: IntegrationType.ZAPIER,
    Source.HUBSPOT: IntegrationType.REST,
    Source.GENERIC: IntegrationType.WEBHOOK,
}


class WebhookEventStatus(StrEnum):
    RECEIVED = "received"
    # Stored for the record, but of a type the integration does not take in (`incomingEvents`).
    IGNORED = "ignored"
    PROCESSED = "processed"
    FAILED = "failed"


class WebhookEventDoc(StoredModel):
    """`teams/{teamId}/webhookEvents/{source}_{provider event id}`: one event a third party sent."""

    id: str
    source: Source
    integration_id: str
    event_type: str
    provider_event_id: str
    # The parsed JSON (or Slack form), or a summary when it was too large or deep to store as is.
    payload: dict[str, Any]
    payload_truncated: bool = False
    received_at: datetime
    status: WebhookEventStatus = WebhookEventStatus.RECEIVED
    processed_at: datetime | None = None
    failure_reason: str | None = None
    # A TTL policy deletes the event after this moment (firestore.indexes.json); ids are kept 7 days.
    expire_at: datetime


Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Priority = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[a-z_]+$")]
Email = Annotated[str, StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class ZapierTicketData(InputModel):
    """`data` of a Zapier `ticket.create` action."""

    subject: Subject
    description: Annotated[str, StringConstraints(max_length=50_000)] = ""
    priority: Priority = "normal"
    requester_email: Email | None = None
