"""A team's event subscriptions: Zapier REST hooks and EventBridge destinations (secrets never shown).

Trigger: callable
Input: EventSubscriptionListQuery   Output: EventSubscriptionList
Errors: unauthenticated, invalid-argument, permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.webhooks import EventSubscriptionListQuery
from shared.webhooks.service import list_subscriptions


@rejects_malformed_json
@https_fn.on_call()
def event_subscriptions_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, EventSubscriptionListQuery, list_subscriptions)
