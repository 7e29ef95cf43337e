"""Remove an event subscription and its sealed secrets; answers the remaining subscriptions.

Trigger: callable
Input: EventSubscriptionRef   Output: EventSubscriptionList
Errors: unauthenticated, invalid-argument, permission-denied (admins)
Idempotency: idempotent: deleting what is gone changes nothing
Writes: deletes teams/{teamId}/eventSubscriptions/{id}, secrets/subscription_{teamId}_{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.webhooks import EventSubscriptionRef
from shared.webhooks.service import delete_subscription


@rejects_malformed_json
@https_fn.on_call()
def event_subscriptions_delete(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, EventSubscriptionRef, delete_subscription)
