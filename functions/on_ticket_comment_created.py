"""A comment was added to a ticket: record `ticket.commented`.

Trigger: firestore teams/{teamId}/tickets/{ticketId}/comments/{commentId} created
Input: the new comment   Output: none
Errors: a failure is logged with its stack (firebase-functions 0.6.0 offers no retry for Firestore triggers)
Idempotency: the event's id is the trigger's event id: a redelivery creates nothing twice
Writes: teams/{teamId}/events/{eventId}
"""

from typing import Any

from firebase_functions import firestore_fn

from shared.triggers import run_trigger
from shared.webhooks.change_events import emit_comment, snapshot_data


@firestore_fn.on_document_created(document="teams/{teamId}/tickets/{ticketId}/comments/{commentId}")
def on_ticket_comment_created(event: firestore_fn.Event[Any]) -> None:
    run_trigger(
        event,
        lambda params: emit_comment(
            params["teamId"],
            params["ticketId"],
            params["commentId"],
            snapshot_data(event.data) or {},
            event.id,
        ),
    )
