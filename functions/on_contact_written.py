"""A contact changed: record `contact.created`, `contact.updated` or `contact.deleted`, and feed the sync
engine (its outbox of local changes and its email index).

Trigger: firestore teams/{teamId}/contacts/{contactId} written
Input: the change (before, after)   Output: none
Errors: a failure is logged with its stack (firebase-functions 0.6.0 offers no retry for Firestore triggers)
Idempotency: the event's id is the trigger's event id; the outbox entry and the index are set, not added
Writes: teams/{teamId}/events/{eventId}, teams/{teamId}/contactChanges/{contactId},
    teams/{teamId}/contactEmails/{key}
"""

from typing import Any

from firebase_functions import firestore_fn

from shared.sync.outbox import contact_written
from shared.triggers import run_trigger
from shared.webhooks.change_events import snapshot_data


@firestore_fn.on_document_written(document="teams/{teamId}/contacts/{contactId}")
def on_contact_written(event: firestore_fn.Event[Any]) -> None:
    run_trigger(
        event,
        lambda params: contact_written(
            params["teamId"],
            params["contactId"],
            snapshot_data(event.data.before),
            snapshot_data(event.data.after),
            event.id,
        ),
    )
