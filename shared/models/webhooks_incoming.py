"""Incoming webhooks: the sources, the stored event, and the payloads the processing acts on."""

from __future__ import annotations

import json
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
    # The event's JSON text (the body as received when it is one event; a Slack form as JSON), or None
    # when it was too large to keep; then only its size and hash remain.
    payload_json: str | None = None
    payload_truncated: bool = False
    payload_bytes: int = 0
    payload_sha256: str | None = None
    received_at: datetime
    status: WebhookEventStatus = WebhookEventStatus.RECEIVED
    processed_at: datetime | None = None
    failure_reason: str | None = None
    # A TTL policy deletes the event after this moment (firestore.indexes.json); ids are kept 7 days.
    expire_at: datetime

    @property
    def payload(self) -> dict[str, Any]:
        """The event's JSON object ({} when it was not kept)."""
        if self.payload_json is None:
            return {}
        value = json.loads(self.payload_json)
        return value if isinstance(value, dict) else {}


Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Priority = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[a-z_]+$")]
Email = Annotated[str, StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class ZapierTicketData(InputModel):
    """`data` of a Zapier `ticket.create` action."""

    subject: Subject
    description: Annotated[str, StringConstraints(max_length=50_000)] = ""
    priority: Priority = "normal"
    requester_email: Email | None = None
