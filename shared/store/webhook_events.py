"""Incoming webhook events: `teams/{teamId}/webhookEvents/{source}_{provider event id}`.

The document id is the deduplication key: `create()` stores an event once, and a redelivery (a retry,
a replay, a second instance racing the first) finds it there and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from shared import errors
from shared.models.webhooks_incoming import WebhookEventDoc, WebhookEventStatus
from shared.store import paths
from shared.store.client import db, from_snapshot, translated_errors

# A create that loses a race may be answered "aborted" rather than "already exists"; the next try
# tells which it was.
CREATE_ATTEMPTS = 3


def _body(doc: WebhookEventDoc) -> dict[str, Any]:
    body = doc.to_firestore()
    # Enums as their plain values, so the console and the rules see strings.
    body["source"] = doc.source.value
    body["status"] = doc.status.value
    return body


def create(team_id: str, doc: WebhookEventDoc) -> bool:
    """Store the event under its id; False when it is there already (a duplicate delivery)."""
    ref = db().document(paths.webhook_event(team_id, doc.id))
    for attempt in range(CREATE_ATTEMPTS):
        try:
            with translated_errors():
                ref.create(_body(doc))
        except errors.AlreadyExists:
            return False
        except errors.Aborted:
            if attempt == CREATE_ATTEMPTS - 1:
                raise
            continue
        return True
    return False  # not reached: the last attempt returns or raises


def create_all(team_id: str, docs: Sequence[WebhookEventDoc]) -> list[bool]:
    """Store a batch of events; for each, whether it was new. One commit when none is a duplicate."""
    if not docs:
        return []
    client = db()
    batch = client.batch()
    for doc in docs:
        batch.create(client.document(paths.webhook_event(team_id, doc.id)), _body(doc))
    try:
        with translated_errors():
            batch.commit()
    except (errors.AlreadyExists, errors.Aborted):
        # A batch is all or nothing: some were stored by an earlier delivery, so store them one by one.
        return [create(team_id, doc) for doc in docs]
    return [True] * len(docs)


def get(team_id: str, event_id: str) -> WebhookEventDoc | None:
    with translated_errors():
        snapshot = db().document(paths.webhook_event(team_id, event_id)).get()
    if not snapshot.exists:
        return None
    return from_snapshot(WebhookEventDoc, snapshot)


def finish(team_id: str, event_id: str, status: WebhookEventStatus, reason: str | None = None) -> None:
    """Record the outcome of processing; an event deleted meanwhile (TTL) stays deleted."""
    fields: dict[str, Any] = {
        "status": status.value,
        "processedAt": datetime.now(UTC),
        "failureReason": reason,
    }
    try:
        with translated_errors():
            db().document(paths.webhook_event(team_id, event_id)).update(fields)
    except errors.NotFound:
        pass
