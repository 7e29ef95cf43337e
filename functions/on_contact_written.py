"""A contact changed: record `contact.created`, `contact.updated` or `contact.deleted`.

Trigger: firestore teams/{teamId}/contacts/{contactId} written
Input: the change (before, after)   Output: none
Errors: a failure is logged with its stack (firebase-functions 0.6.0 offers no retry for Firestore triggers)
Idempotency: the event's id is the trigger's event id: a redelivery creates nothing twice
Writes: teams/{teamId}/events/{eventId}
"""

from typing import Any

from firebase_functions import firestore_fn

from shared.triggers import run_trigger
from shared.webhooks.change_events import emit_change, snapshot_data


@firestore_fn.on_document_written(document="teams/{teamId}/contacts/{contactId}")
def on_contact_written(event: firestore_fn.Event[Any]) -> None:
    run_trigger(
        event,
        lambda params: emit_change(
            params["teamId"],
            "contact",
            params["contactId"],
            snapshot_data(event.data.before),
            snapshot_data(event.data.after),
            event.id,
        ),
    )
