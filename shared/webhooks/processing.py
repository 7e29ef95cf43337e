"""The work an incoming webhook event asks for, done once per event by `on_webhook_event_created`.

- A Slack slash command opens a ticket (subject: the command's text; requester: the Slack user).
- A Zapier `ticket.create` action opens a ticket from its `data`.
- A HubSpot `contact.*` event puts the contact in the sync inbox, for the sync engine to pull.
- Anything else is recorded and left alone.

Idempotent: a ticket's id is derived from the event's document id and created with `create()`, the
sync inbox item is keyed by the contact, and an event already processed (or failed) is skipped. The
event ends `processed`, or `failed` with a short reason when its payload cannot be acted on.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import Any

import pydantic

from shared import errors, log
from shared.models.helpdesk import TicketDoc
from shared.models.webhooks_incoming import Source, WebhookEventDoc, WebhookEventStatus, ZapierTicketData
from shared.store import helpdesk
from shared.store import webhook_events as store
from shared.webhooks.incoming import SLASH_COMMAND

SUBJECT_LENGTH = 200
REASON_LENGTH = 300
ZAPIER_TICKET_CREATE = "ticket.create"
HUBSPOT_PROVIDER = "hubspot"
OBJECT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


class Unprocessable(Exception):
    """The event's payload cannot be acted on; it will not get better on a retry."""


def ticket_id_for(event_id: str) -> str:
    """One ticket per webhook event, whatever the number of deliveries of the trigger."""
    return f"webhook_{event_id}"


def process(team_id: str, event_id: str) -> str:
    """Do what the event asks, once; the outcome in a word (for the trigger's log line)."""
    event = store.get(team_id, event_id)
    if event is None:
        return "missing"
    if event.status is not WebhookEventStatus.RECEIVED:
        # Ignored by the integration's incomingEvents, or already done by an earlier delivery.
        return f"skipped: {event.status.value}"
    try:
        outcome = _act(team_id, event)
    except Unprocessable as problem:
        reason = str(problem)[:REASON_LENGTH]
        log.warning("webhook event not processable", webhookEventId=event_id, reason=reason)
        store.finish(team_id, event_id, WebhookEventStatus.FAILED, reason)
        return "failed"
    store.finish(team_id, event_id, WebhookEventStatus.PROCESSED)
    return outcome


def _act(team_id: str, event: WebhookEventDoc) -> str:
    if event.payload_truncated:
        if _actionable(event):
            raise Unprocessable("the payload was too large to keep")
        return "nothing to do"
    if event.source is Source.SLACK and event.event_type == SLASH_COMMAND:
        return _open_ticket(team_id, event, _ticket_from_slack(event))
    if event.source is Source.ZAPIER and event.event_type == ZAPIER_TICKET_CREATE:
        return _open_ticket(team_id, event, _ticket_from_zapier(event))
    if event.source is Source.HUBSPOT and event.event_type.startswith("contact."):
        return _mark_contact(team_id, event)
    return "nothing to do"


def _actionable(event: WebhookEventDoc) -> bool:
    return (
        (event.source is Source.SLACK and event.event_type == SLASH_COMMAND)
        or (event.source is Source.ZAPIER and event.event_type == ZAPIER_TICKET_CREATE)
        or (event.source is Source.HUBSPOT and event.event_type.startswith("contact."))
    )


def _open_ticket(team_id: str, event: WebhookEventDoc, fields: dict[str, Any]) -> str:
    now = datetime.now(UTC)
    ticket = TicketDoc(
        id=ticket_id_for(event.id),
        source_ref=f"webhookEvents/{event.id}",
        created_at=now,
        updated_at=now,
        **fields,
    )
    created = helpdesk.create_ticket_once(team_id, ticket)
    return "ticket created" if created else "ticket existed"


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    return value.strip() if isinstance(value, str) else ""


def _ticket_from_slack(event: WebhookEventDoc) -> dict[str, Any]:
    payload = event.payload
    text = _text(payload, "text")
    command = _text(payload, "command")
    subject = text.splitlines()[0] if text else command
    if not subject:
        raise Unprocessable("the slash command has neither text nor a command name")
    requester = {
        "slackUserId": _text(payload, "user_id"),
        "slackUserName": _text(payload, "user_name"),
        "slackTeamId": _text(payload, "team_id"),
        "slackChannelId": _text(payload, "channel_id"),
    }
    return {
        "subject": subject[:SUBJECT_LENGTH],
        "description": text,
        "requester": {name: value for name, value in requester.items() if value},
        "source": "slack",
    }


def _ticket_from_zapier(event: WebhookEventDoc) -> dict[str, Any]:
    data = event.payload.get("data")
    if not isinstance(data, dict):
        raise Unprocessable("ticket.create needs a data object")
    try:
        ticket = ZapierTicketData.model_validate(data)
    except pydantic.ValidationError as error:
        problem = errors.from_validation_error(error)
        raise Unprocessable(f"data.{problem.message}") from None
    return {
        "subject": ticket.subject,
        "description": ticket.description,
        "priority": ticket.priority,
        "requester": {"email": ticket.requester_email} if ticket.requester_email else {},
        "source": "zapier",
    }


def _mark_contact(team_id: str, event: WebhookEventDoc) -> str:
    payload = event.payload
    object_id = payload.get("objectId")
    if isinstance(object_id, bool) or not isinstance(object_id, int | str):
        raise Unprocessable("the HubSpot event has no objectId")
    object_key = str(object_id)
    if not OBJECT_ID_PATTERN.match(object_key):
        # It becomes part of a document id.
        raise Unprocessable("the HubSpot event's objectId is malformed")
    fields: dict[str, Any] = {
        "lastEventType": event.event_type,
        "webhookEventId": event.id,
        "integrationId": event.integration_id,
    }
    occurred_at = payload.get("occurredAt")
    if isinstance(occurred_at, int) and not isinstance(occurred_at, bool):
        with contextlib.suppress(OverflowError, OSError, ValueError):
            fields["occurredAt"] = datetime.fromtimestamp(occurred_at / 1000, UTC)
    property_name = payload.get("propertyName")
    if isinstance(property_name, str):
        fields["changedProperty"] = property_name
    helpdesk.mark_for_sync(team_id, HUBSPOT_PROVIDER, object_key, fields)
    return "contact marked for sync"
