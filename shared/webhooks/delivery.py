"""One delivery attempt, and the retry schedule around it (Svix's, from conventions.md).

Attempts: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after each failure (8 in about
28 h). Success is a 2xx within 15 s; a 3xx is a failure; `Retry-After` is honoured; `410 Gone` disables
the subscriber; a subscriber failing for 5 days is disabled and an event says so. Each attempt is
claimed with `create()` so a redelivered task never sends twice, and the next attempt is queued with
an id derived from the delivery and the attempt number.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import events, log, outbound, sealed, standard_webhooks, tasks
from shared.connectors import slack
from shared.integrations import config as configs
from shared.integrations.service import forget_cached, full_config
from shared.models.integrations import IntegrationDoc, IntegrationStatus
from shared.models.webhooks import (
    DeliveryAttempt,
    DeliveryDoc,
    DeliveryStatus,
    EventDoc,
    EventSubscriptionDoc,
)
from shared.oauth.tokens import access_token_for
from shared.store import deliveries as store
from shared.store import integrations as integration_store
from shared.store import paths
from shared.store import secrets as secrets_store

# Seconds to wait before attempt n + 1 after attempt n failed (index n - 1); 8 attempts in all.
RETRY_SCHEDULE_SECONDS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_SCHEDULE_SECONDS) + 1
DISABLE_AFTER_FAILING = timedelta(days=5)
KEPT_ATTEMPTS = MAX_ATTEMPTS
USER_AGENT = "helpdesk-integrations-webhooks/1.0"
TARGET_URL = "targetUrl"
AWS_ACCESS_KEY_ID = "accessKeyId"
AWS_SECRET_ACCESS_KEY = "secretAccessKey"


@dataclass(frozen=True)
class Outcome:
    success: bool
    status_code: int | None
    duration_ms: float
    error: str | None = None
    retry_after_seconds: float | None = None
    gone: bool = False


Enqueue = Callable[..., bool]
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- senders


def _from_response(response: outbound.OutboundResponse, success: bool) -> Outcome:
    return Outcome(
        success=success,
        status_code=response.status_code,
        duration_ms=response.duration_ms,
        error=None if success else f"HTTP {response.status_code}",
        retry_after_seconds=outbound.retry_after_seconds(response.headers.get("Retry-After")),
        gone=response.status_code == 410,
    )


def _send(
    request: outbound.OutboundRequest,
    audit: outbound.AuditTarget,
    accepted: Callable[[outbound.OutboundResponse], bool] = lambda response: response.ok,
) -> Outcome:
    started = time.monotonic()
    try:
        response = outbound.client().send(request, audit)
        return _from_response(response, accepted(response))
    except outbound.OutboundError as error:
        return Outcome(False, None, round((time.monotonic() - started) * 1000, 1), error.message)


def signing_secrets(integration: IntegrationDoc, secrets: dict[str, str], now: datetime) -> list[str]:
    """The current secret, and the previous one while its 24 hours after a rotation last."""
    signing = [secrets[configs.SIGNING_SECRET]]
    previous = secrets.get(configs.PREVIOUS_SIGNING_SECRET)
    expires_at = integration.previous_secret_expires_at
    if previous and expires_at is not None and expires_at > now:
        signing.append(previous)
    return signing


def slack_text(event: EventDoc) -> str:
    data = event.data
    subject = data.get("subject") or data.get("email") or data.get("name") or data.get("id")
    labels = {
        "ticket.created": "New ticket",
        "ticket.updated": "Ticket updated",
        "ticket.resolved": "Ticket resolved",
        "ticket.commented": "New comment on ticket",
        "contact.created": "New contact",
        "contact.updated": "Contact updated",
        "contact.deleted": "Contact deleted",
    }
    label = labels.get(event.type, event.type)
    return f"*{label}*: {subject} (`{data.get('id')}`)"


def _send_to_integration(integration: IntegrationDoc, event: EventDoc, now: datetime) -> Outcome:
    config, secrets = full_config(integration)
    secret_values = [value for value in secrets.values() if value]
    audit = outbound.AuditTarget(integration.team_id, integration.id, "system")
    body = json.dumps(event.envelope(), separators=(",", ":")).encode()
    if integration.type.value == "webhook":
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            # The event id is the message id: the same on every retry, so receivers can deduplicate.
            **standard_webhooks.headers(signing_secrets(integration, secrets, now), event.id, body),
        }
        request = outbound.OutboundRequest(
            "POST",
            config["url"],
            headers=headers,
            data=body,
            secrets=secret_values,
            retry=False,
            follow_redirects=False,
        )
        return _send(request, audit)
    if integration.type.value == "slack":
        text = slack_text(event)
        if "webhookUrl" in config:
            request = outbound.OutboundRequest(
                "POST", config["webhookUrl"], json={"text": text}, secrets=secret_values, retry=False
            )
            return _send(request, audit)
        token = access_token_for(integration.team_id, config["oauthId"])
        request = outbound.OutboundRequest(
            "POST",
            slack.api_url("chat.postMessage"),
            headers={"Authorization": f"Bearer {token}"},
            json={"channel": config["channel"], "text": text},
            secrets=[*secret_values, token],
            retry=False,
        )
        return _send(request, audit, slack.answered_ok)
    # A Zapier catch hook takes the whole envelope.
    request = outbound.OutboundRequest(
        "POST",
        config["hookUrl"],
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        data=body,
        secrets=secret_values,
        retry=False,
        follow_redirects=False,
    )
    return _send(request, audit)


def _send_to_subscription(subscription: EventSubscriptionDoc, event: EventDoc) -> Outcome:
    owner = paths.subscription_secrets(subscription.team_id, subscription.id)
    secrets = sealed.unseal(owner, secrets_store.get_sealed(owner))
    audit = outbound.AuditTarget(
        subscription.team_id, subscription.integration_id or f"subscription:{subscription.id}", "system"
    )
    if subscription.kind == "eventbridge":
        from shared.connectors import eventbridge

        result = eventbridge.put_event(
            subscription, secrets[AWS_ACCESS_KEY_ID], secrets[AWS_SECRET_ACCESS_KEY], event, audit
        )
        return Outcome(result.success, result.status_code, result.duration_ms, result.error)
    # A Zapier REST hook: Zapier wants the record itself, in a list.
    request = outbound.OutboundRequest(
        "POST",
        secrets[TARGET_URL],
        json=[{**event.data, "event": event.type, "timestamp": event.timestamp}],
        secrets=list(secrets.values()),
        retry=False,
        follow_redirects=False,
    )
    return _send(request, audit)


# ---------------------------------------------------------------- one attempt and what follows


def deliver(
    team_id: str,
    delivery_id: str,
    clock: Clock = _now,
    enqueue: Enqueue = tasks.enqueue,
    attempt: int | None = None,
) -> str:
    """Make the delivery's next attempt, record it, and queue the one after if it failed.

    `attempt` is the attempt the task was queued for: a task for an attempt already made (a stale
    scheduled task after a manual retry, or a redelivery) does nothing.
    """
    delivery = store.get_delivery(team_id, delivery_id)
    finished = {DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED}
    if delivery is None or delivery.status in finished:
        return "nothing to do"
    next_attempt = delivery.attempt_count + 1
    if attempt is not None and attempt != next_attempt:
        return "stale task"
    attempt = next_attempt
    if not store.claim_attempt(team_id, delivery_id, attempt):
        return "already attempted"
    now = clock()
    event = store.get_event(team_id, delivery.event_id)
    integration = integration_store.get(team_id, delivery.integration_id) if delivery.integration_id else None
    subscription = (
        store.get_subscription(team_id, delivery.subscription_id) if delivery.subscription_id else None
    )
    subscriber_enabled = (integration is not None and integration.enabled) or (
        subscription is not None and subscription.enabled
    )
    if event is None or not subscriber_enabled:
        store.update_delivery(
            team_id,
            delivery_id,
            {"status": DeliveryStatus.CANCELLED.value, "updatedAt": now, "lastError": "subscriber gone"},
        )
        return "cancelled"
    if integration is not None:
        outcome = _send_to_integration(integration, event, now)
    else:
        assert subscription is not None
        outcome = _send_to_subscription(subscription, event)
    return _record(delivery, attempt, outcome, now, integration, subscription, enqueue)


def _record(
    delivery: DeliveryDoc,
    attempt: int,
    outcome: Outcome,
    now: datetime,
    integration: IntegrationDoc | None,
    subscription: EventSubscriptionDoc | None,
    enqueue: Enqueue,
) -> str:
    attempts = [
        *delivery.attempts,
        DeliveryAttempt(
            attempt=attempt,
            at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
        ),
    ][-KEPT_ATTEMPTS:]
    fields: dict[str, Any] = {
        "attemptCount": attempt,
        "attempts": [item.to_firestore() for item in attempts],
        "lastStatusCode": outcome.status_code,
        "lastError": outcome.error,
        "updatedAt": now,
        "nextAttemptAt": None,
    }
    team_id = delivery.team_id
    if outcome.success:
        fields.update(status=DeliveryStatus.SUCCEEDED.value, succeededAt=now)
        store.update_delivery(team_id, delivery.id, fields)
        _subscriber_recovered(integration, subscription)
        return "succeeded"
    if outcome.gone:
        fields["status"] = DeliveryStatus.FAILED.value
        store.update_delivery(team_id, delivery.id, fields)
        _disable(delivery, integration, subscription, "the endpoint answered 410 Gone", now)
        return "gone"
    failing_since = _subscriber_failing(integration, subscription, now)
    if now - failing_since >= DISABLE_AFTER_FAILING:
        fields["status"] = DeliveryStatus.FAILED.value
        store.update_delivery(team_id, delivery.id, fields)
        _disable(delivery, integration, subscription, "deliveries failed for 5 days", now)
        return "disabled"
    if attempt >= MAX_ATTEMPTS:
        fields["status"] = DeliveryStatus.FAILED.value
        store.update_delivery(team_id, delivery.id, fields)
        return "failed"
    delay = max(float(RETRY_SCHEDULE_SECONDS[attempt - 1]), outcome.retry_after_seconds or 0.0)
    fields.update(status=DeliveryStatus.RETRYING.value, nextAttemptAt=now + timedelta(seconds=delay))
    store.update_delivery(team_id, delivery.id, fields)
    enqueue(
        "taskDeliverEvent",
        {"teamId": team_id, "deliveryId": delivery.id, "attempt": attempt + 1},
        tasks.task_id(team_id, delivery.id, str(attempt + 1)),
        int(delay),
    )
    return "retrying"


def _subscriber_failing(
    integration: IntegrationDoc | None, subscription: EventSubscriptionDoc | None, now: datetime
) -> datetime:
    """When the subscriber started failing (now, if it was fine until this attempt)."""
    since = (integration.delivery_failing_since if integration else None) or (
        subscription.delivery_failing_since if subscription else None
    )
    if since is not None:
        return since
    if integration is not None:
        store.update_integration(integration.team_id, integration.id, {"deliveryFailingSince": now})
    elif subscription is not None:
        store.update_subscription(subscription.team_id, subscription.id, {"deliveryFailingSince": now})
    return now


def _subscriber_recovered(
    integration: IntegrationDoc | None, subscription: EventSubscriptionDoc | None
) -> None:
    if integration is not None and integration.delivery_failing_since is not None:
        store.update_integration(integration.team_id, integration.id, {"deliveryFailingSince": None})
    if subscription is not None and subscription.delivery_failing_since is not None:
        store.update_subscription(subscription.team_id, subscription.id, {"deliveryFailingSince": None})


def _disable(
    delivery: DeliveryDoc,
    integration: IntegrationDoc | None,
    subscription: EventSubscriptionDoc | None,
    reason: str,
    now: datetime,
) -> None:
    team_id = delivery.team_id
    if integration is not None:
        forget_cached(team_id, integration.id)
        store.update_integration(
            team_id,
            integration.id,
            {"enabled": False, "status": IntegrationStatus.DISABLED.value, "updatedAt": now},
        )
        subject = {"id": integration.id, "kind": "integration", "type": integration.type.value}
    elif subscription is not None:
        if subscription.kind == "zapier_rest_hook":
            # Zapier's REST-hook contract: a 410 means the Zap is gone; drop the subscription.
            store.delete_subscription(team_id, subscription.id)
        else:
            store.update_subscription(team_id, subscription.id, {"enabled": False, "updatedAt": now})
        subject = {"id": subscription.id, "kind": "subscription", "type": subscription.kind}
    else:
        return
    events.emit(
        team_id,
        "subscriber.disabled",
        {**subject, "reason": reason, "deliveryId": delivery.id},
        event_id=f"subscriber.disabled-{subject['id']}-{now.date().isoformat()}",
    )
    log.warning("subscriber disabled", subscriberId=subject["id"], reason=reason)
