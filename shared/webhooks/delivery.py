"""One delivery attempt, and the retry schedule around it (Svix's, from conventions.md).

Attempts: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after each failure (8 in about
28 h). Success is a 2xx within 15 s; a 3xx is a failure; `Retry-After` is honoured; `410 Gone` disables
the subscriber; a subscriber failing for 5 days is disabled and an event says so.

An attempt makes three Firestore round trips besides the request it sends:

1. one `get_all` reads the delivery, its event, the subscriber and the subscriber's sealed secrets (the
   delivery id names the event and the subscriber; see `store.load_attempt`). Nothing is cached between
   attempts, so a disabled integration or a rotated secret applies from the next attempt on;
2. `create()` claims attempt n (`deliveries/{id}/attempts/{n}`): however often its task is delivered,
   one worker makes attempt n, and a task for an attempt already recorded sends nothing;
3. after the request, one batch records the attempt: the delivery's update (the attempt, status, next
   attempt), the claim marked recorded, the request's audit record (the outbound client hands it over
   instead of writing it, also when the send fails; its id is derived from the delivery and n), and any
   change to the subscriber (failing since, disabled) with its `subscriber.disabled` event. The batch
   applies only while the claim is the version its worker created (a precondition on its update time).
   Then attempt n + 1 is queued under a task id derived from the delivery and n + 1.

What a crash does (Cloud Tasks delivers a task again when its function crashed or failed):

- Before the claim: nothing was written; the task delivered again makes attempt n as if for the first time.
- After the claim, before or during the send, or after the send but before the batch: attempt n is
  claimed and not recorded, and whether its request reached the endpoint is unknown. The task delivered
  again sends nothing ("already attempted") and queues a recovery task for when the claim's lease ends
  (`CLAIM_LEASE`, far beyond the function's 60 s timeout, so the claim's worker is gone by then). The
  recovery records attempt n as interrupted, with the attempt's one audit record (same id), and goes on
  with the schedule: attempt n + 1 sends the event again under the same `webhook-id`, so a receiver that
  did get attempt n drops the copy (deliveries are at least once, as Standard Webhooks has it). Worker
  and recovery both write on condition that the claim is unchanged, so exactly one of them records
  attempt n, even for a worker that was only slow; a worker that loses writes its real outcome over the
  recovery's audit record (same id: still one record) and nothing else.
- After the batch, before attempt n + 1 is queued: the task delivered again finds attempt n recorded
  ("stale task") and queues attempt n + 1 itself, under the same task id (queued once). A task without
  an attempt number (the fan-out's first) makes attempt n + 1 at once instead: early, but once.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import events, log, outbound, sealed, standard_webhooks, tasks
from shared.connectors import slack
from shared.integrations import config as configs
from shared.integrations.service import forget_cached, with_secrets
from shared.models.integrations import IntegrationDoc, IntegrationStatus
from shared.models.request_logs import RequestLogDoc
from shared.models.webhooks import DeliveryAttempt, DeliveryStatus, EventDoc
from shared.oauth.tokens import access_token_for
from shared.store import deliveries as store
from shared.store import paths, request_logs
from shared.webhooks.fanout import DELIVERY_TASK

# Seconds to wait before attempt n + 1 after attempt n failed (index n - 1); 8 attempts in all.
RETRY_SCHEDULE_SECONDS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_SCHEDULE_SECONDS) + 1
DISABLE_AFTER_FAILING = timedelta(days=5)
KEPT_ATTEMPTS = MAX_ATTEMPTS
# A claim this old without its record belongs to a worker that is gone: the task function times out
# after 60 s (shared/runtime.py), and the platform stops it then.
CLAIM_LEASE = timedelta(minutes=5)
# The recovery task runs this long after the lease ends, so clocks a little apart still agree it ended.
RECOVERY_MARGIN_SECONDS = 5
INTERRUPTED = "the attempt was interrupted; whether it reached the endpoint is unknown"
FINISHED = frozenset({DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED})
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


# ---------------------------------------------------------------- requests, planned then sent


@dataclass(frozen=True)
class Planned:
    """One attempt's request, not sent yet: whose it is and where it goes (for the audit log), and how
    to send it, handing its audit record to the writer given."""

    audit: outbound.AuditTarget
    endpoint: str
    send: Callable[[outbound.AuditWriter], Outcome]


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
    audit_writer: outbound.AuditWriter,
    accepted: Callable[[outbound.OutboundResponse], bool] = lambda response: response.ok,
) -> Outcome:
    started = time.monotonic()
    try:
        response = outbound.client().send(request, audit, audit_writer)
        return _from_response(response, accepted(response))
    except outbound.OutboundError as error:
        return Outcome(False, None, round((time.monotonic() - started) * 1000, 1), error.message)


def _planned(request: outbound.OutboundRequest, audit: outbound.AuditTarget) -> Planned:
    return Planned(
        audit,
        outbound.sanitize_endpoint(request.url, request.secrets),
        lambda audit_writer: _send(request, audit, audit_writer),
    )


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


def _to_integration(documents: store.AttemptDocuments, event: EventDoc, now: datetime) -> Planned:
    integration = documents.integration
    assert integration is not None
    config, secrets = with_secrets(integration, documents.credentials)
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
        return _planned(request, audit)
    if integration.type.value == "slack":
        text = slack_text(event)
        if "webhookUrl" in config:
            request = outbound.OutboundRequest(
                "POST", config["webhookUrl"], json={"text": text}, secrets=secret_values, retry=False
            )
            return _planned(request, audit)
        api_url = slack.api_url("chat.postMessage")

        def post_message(audit_writer: outbound.AuditWriter) -> Outcome:
            # The token is fetched (refreshed if need be) only when the message is sent.
            token = access_token_for(integration.team_id, config["oauthId"])
            request = outbound.OutboundRequest(
                "POST",
                api_url,
                headers={"Authorization": f"Bearer {token}"},
                json={"channel": config["channel"], "text": text},
                secrets=[*secret_values, token],
                retry=False,
            )
            return _send(request, audit, audit_writer, slack.answered_ok)

        return Planned(audit, outbound.sanitize_endpoint(api_url), post_message)
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
    return _planned(request, audit)


def _audit_target(documents: store.AttemptDocuments) -> outbound.AuditTarget:
    delivery, subscription = documents.delivery, documents.subscription
    assert delivery is not None
    integration_id = (subscription.integration_id if subscription else None) or delivery.integration_id
    return outbound.AuditTarget(
        delivery.team_id, integration_id or f"subscription:{delivery.subscription_id}", "system"
    )


def _to_subscription(documents: store.AttemptDocuments, event: EventDoc) -> Planned:
    subscription = documents.subscription
    assert subscription is not None
    owner = paths.subscription_secrets(subscription.team_id, subscription.id)
    secrets = sealed.unseal(owner, documents.subscription_secrets)
    audit = _audit_target(documents)
    if subscription.kind == "eventbridge":
        from shared.connectors import eventbridge

        def put_event(audit_writer: outbound.AuditWriter) -> Outcome:
            result = eventbridge.put_event(
                subscription,
                secrets[AWS_ACCESS_KEY_ID],
                secrets[AWS_SECRET_ACCESS_KEY],
                event,
                audit,
                audit_writer,
            )
            return Outcome(result.success, result.status_code, result.duration_ms, result.error)

        return Planned(audit, eventbridge.endpoint(subscription), put_event)
    # A Zapier REST hook: Zapier wants the record itself, in a list.
    request = outbound.OutboundRequest(
        "POST",
        secrets[TARGET_URL],
        json=[{**event.data, "event": event.type, "timestamp": event.timestamp}],
        secrets=list(secrets.values()),
        retry=False,
        follow_redirects=False,
    )
    return _planned(request, audit)


def _plan(documents: store.AttemptDocuments, now: datetime) -> Planned | None:
    """The attempt's request, or None when there is nothing to send (no event, subscriber gone or off)."""
    event, integration, subscription = documents.event, documents.integration, documents.subscription
    if event is None:
        return None
    if integration is not None and integration.enabled:
        return _to_integration(documents, event, now)
    if subscription is not None and subscription.enabled:
        return _to_subscription(documents, event)
    return None


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
    scheduled task after a manual retry, or a redelivery) sends nothing.
    """
    now = clock()
    # The attempt the task names is claimed while the documents are read (a task without a number is
    # the fan-out's: its attempt is the first, unless the task was made before numbers existed).
    named = attempt or 1
    documents, claim = store.load_and_claim(team_id, delivery_id, named, now)
    delivery = documents.delivery
    due = None if delivery is None or delivery.status in FINISHED else delivery.attempt_count + 1
    if claim is not None and named != due:
        # A task names at most the attempt due, and every attempt before it was claimed, so only a task
        # for a delivery that is gone or finished gets here: give the claim back.
        store.release_claim(team_id, delivery_id, named, claim)
        claim = None
    if delivery is None or due is None:
        return "nothing to do"
    if attempt is not None and attempt != due:
        if attempt == delivery.attempt_count:
            # Its attempt is recorded; its worker may have crashed before queueing the next one.
            _queue_next(documents, now, enqueue)
        return "stale task"
    if claim is None and named != due:
        claim = store.claim_attempt(team_id, delivery_id, due, now)
    if claim is None:
        return _claimed_already(documents, due, now, enqueue)
    planned = _plan(documents, now)
    if planned is None:
        store.update_delivery(
            team_id,
            delivery_id,
            {"status": DeliveryStatus.CANCELLED.value, "updatedAt": now, "lastError": "subscriber gone"},
        )
        return "cancelled"
    audit_records: list[RequestLogDoc] = []
    outcome = planned.send(audit_records.append)
    return _record(documents, due, claim, outcome, audit_records, now, enqueue)


def _queue_next(documents: store.AttemptDocuments, now: datetime, enqueue: Enqueue) -> None:
    delivery = documents.delivery
    assert delivery is not None
    if delivery.status is not DeliveryStatus.RETRYING or delivery.next_attempt_at is None:
        return
    next_attempt = delivery.attempt_count + 1
    enqueue(
        DELIVERY_TASK,
        {"teamId": delivery.team_id, "deliveryId": delivery.id, "attempt": next_attempt},
        tasks.task_id(delivery.team_id, delivery.id, str(next_attempt)),
        max(0, math.ceil((delivery.next_attempt_at - now).total_seconds())),
    )


def _claimed_already(documents: store.AttemptDocuments, attempt: int, now: datetime, enqueue: Enqueue) -> str:
    """Another worker claimed this attempt: stand back, and make sure the attempt gets recorded."""
    delivery = documents.delivery
    assert delivery is not None
    claim = store.get_claim(delivery.team_id, delivery.id, attempt)
    if claim is None or claim.recorded:
        return "already attempted"
    lease_ends = claim.claimed_at + CLAIM_LEASE
    if now < lease_ends:
        # Its worker may be sending right now; if it crashed, the recovery task records the attempt.
        enqueue(
            DELIVERY_TASK,
            {"teamId": delivery.team_id, "deliveryId": delivery.id, "attempt": attempt},
            tasks.task_id(delivery.team_id, delivery.id, str(attempt), "recover"),
            math.ceil((lease_ends - now).total_seconds()) + RECOVERY_MARGIN_SECONDS,
        )
        return "already attempted"
    planned = _plan(documents, now)
    audit = planned.audit if planned else _audit_target(documents)
    endpoint = planned.endpoint if planned else "unknown: the event or the subscriber is gone"
    audit_records: list[RequestLogDoc] = []
    outbound.client().record(audit, "POST", endpoint, None, 0.0, False, INTERRUPTED, audit_records.append)
    outcome = Outcome(False, None, 0.0, INTERRUPTED)
    recorded = _record(
        documents, attempt, claim.version, outcome, audit_records, now, enqueue, interrupted=True
    )
    return "already attempted" if recorded == "superseded" else "interrupted"


def _record(
    documents: store.AttemptDocuments,
    attempt: int,
    claim_version: datetime,
    outcome: Outcome,
    audit_records: list[RequestLogDoc],
    now: datetime,
    enqueue: Enqueue,
    interrupted: bool = False,
) -> str:
    """Write the attempt and what follows from it in one batch, then queue the next attempt."""
    delivery = documents.delivery
    assert delivery is not None
    team_id = delivery.team_id
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
        "status": DeliveryStatus.FAILED.value,
    }
    subscriber: store.SubscriberChange | None = None
    notice: store.NewEvent | None = None
    retry_in: float | None = None
    # An interrupted attempt's outcome is unknown: it neither starts nor ends a failing streak.
    failing_since = None if interrupted else _failing_since(documents)
    if outcome.success:
        fields.update(status=DeliveryStatus.SUCCEEDED.value, succeededAt=now)
        if failing_since is not None:
            subscriber = _subscriber_change(documents, {"deliveryFailingSince": None})
        result = "succeeded"
    elif outcome.gone:
        subscriber, notice = _disabled(documents, "the endpoint answered 410 Gone", now)
        result = "gone"
    elif failing_since is not None and now - failing_since >= DISABLE_AFTER_FAILING:
        subscriber, notice = _disabled(documents, "deliveries failed for 5 days", now)
        result = "disabled"
    else:
        if failing_since is None and not interrupted:
            subscriber = _subscriber_change(documents, {"deliveryFailingSince": now})
        if attempt >= MAX_ATTEMPTS:
            result = "failed"
        else:
            retry_in = max(float(RETRY_SCHEDULE_SECONDS[attempt - 1]), outcome.retry_after_seconds or 0.0)
            fields.update(
                status=DeliveryStatus.RETRYING.value, nextAttemptAt=now + timedelta(seconds=retry_in)
            )
            result = "retrying"
    # The outbound client hands over exactly one record per request.
    audit = (
        audit_records[0].model_copy(update={"id": store.audit_record_id(delivery.id, attempt)})
        if audit_records
        else None
    )
    record = store.AttemptRecord(
        team_id, delivery.id, attempt, claim_version, now, fields, audit, subscriber, notice
    )
    if not store.record_attempt(record):
        # The recovery recorded this attempt as interrupted (this worker outlived its claim's lease).
        # Its record stands; the audit record (one id per attempt) gets the real outcome.
        if audit is not None and not interrupted:
            request_logs.put(audit)
        log.warning("attempt recorded elsewhere", deliveryId=delivery.id, attempt=attempt)
        return "superseded"
    if notice is not None:
        log.info("event emitted", eventType="subscriber.disabled", eventId=notice.event_id, teamId=team_id)
        log.warning(
            "subscriber disabled",
            subscriberId=notice.body["data"]["id"],
            reason=notice.body["data"]["reason"],
        )
    if retry_in is not None:
        enqueue(
            DELIVERY_TASK,
            {"teamId": team_id, "deliveryId": delivery.id, "attempt": attempt + 1},
            tasks.task_id(team_id, delivery.id, str(attempt + 1)),
            int(retry_in),
        )
    return result


def _failing_since(documents: store.AttemptDocuments) -> datetime | None:
    """When the subscriber started failing, or None if it was fine until this attempt."""
    integration, subscription = documents.integration, documents.subscription
    return (integration.delivery_failing_since if integration else None) or (
        subscription.delivery_failing_since if subscription else None
    )


def _subscriber_change(
    documents: store.AttemptDocuments, fields: dict[str, Any]
) -> store.SubscriberChange | None:
    if documents.integration is not None:
        return store.SubscriberChange(integration_id=documents.integration.id, fields=fields)
    if documents.subscription is not None:
        return store.SubscriberChange(subscription_id=documents.subscription.id, fields=fields)
    return None


def _disabled(
    documents: store.AttemptDocuments, reason: str, now: datetime
) -> tuple[store.SubscriberChange | None, store.NewEvent | None]:
    """The subscriber's change that disables it, and the `subscriber.disabled` event that says so."""
    delivery, integration, subscription = documents.delivery, documents.integration, documents.subscription
    assert delivery is not None
    if integration is not None:
        forget_cached(integration.team_id, integration.id)
        change = _subscriber_change(
            documents, {"enabled": False, "status": IntegrationStatus.DISABLED.value, "updatedAt": now}
        )
        subject = {"id": integration.id, "kind": "integration", "type": integration.type.value}
    elif subscription is not None:
        if subscription.kind == "zapier_rest_hook":
            # Zapier's REST-hook contract: a 410 means the Zap is gone; drop the subscription.
            change = store.SubscriberChange(subscription_id=subscription.id, delete=True)
        else:
            change = _subscriber_change(documents, {"enabled": False, "updatedAt": now})
        subject = {"id": subscription.id, "kind": "subscription", "type": subscription.kind}
    else:
        return None, None
    notice = store.NewEvent(
        f"subscriber.disabled-{subject['id']}-{now.date().isoformat()}",
        events.document("subscriber.disabled", {**subject, "reason": reason, "deliveryId": delivery.id}, now),
    )
    return change, notice
