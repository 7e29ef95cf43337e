"""Do what a stored incoming webhook event asks: a ticket, a contact to sync, or nothing.

Trigger: firestore teams/{teamId}/webhookEvents/{eventId} created
Input: the created document's path   Output: none
Errors: none raised for an event that cannot be acted on (it ends "failed" with a reason); database
    errors are raised and logged, leaving the event "received"
Idempotency: an event not "received" is skipped; a ticket's id is derived from the event's id and
    created with create(); the sync inbox item is keyed by the contact
Writes: teams/{teamId}/tickets/webhook_{eventId}, teams/{teamId}/syncInbox/hubspot_{objectId},
    teams/{teamId}/webhookEvents/{eventId} (status, processedAt, failureReason)
"""

from typing import Any

from firebase_functions import firestore_fn

from shared.triggers import run_trigger
from shared.webhooks.processing import process


@firestore_fn.on_document_created(document="teams/{teamId}/webhookEvents/{eventId}")
def on_webhook_event_created(event: firestore_fn.Event[Any]) -> None:
    run_trigger(event, lambda params: process(params["teamId"], params["eventId"]))
