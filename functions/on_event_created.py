"""An event was recorded: one delivery and one task per subscriber of its type.

Trigger: firestore teams/{teamId}/events/{eventId} created
Input: the event   Output: none
Errors: a failure is logged with its stack (firebase-functions 0.6.0 offers no retry for Firestore triggers);
    job_recover_fanouts fans the event out again after 5 minutes
Idempotency: delivery ids derive from the event and the subscriber (created once); task ids too
Writes: teams/{teamId}/deliveries/{eventId}__{subscriber}, the event's fanoutPending (false once done);
    Cloud Tasks queue taskDeliverEvent
"""

from typing import Any

from firebase_functions import firestore_fn

from shared.triggers import run_trigger
from shared.webhooks.fanout import fan_out


@firestore_fn.on_document_created(document="teams/{teamId}/events/{eventId}")
def on_event_created(event: firestore_fn.Event[Any]) -> None:
    run_trigger(event, lambda params: fan_out(params["teamId"], params["eventId"]))
