"""Send a team's events to an Amazon EventBridge bus; the AWS credentials are sealed, never answered.

Trigger: callable
Input: EventBridgeDestinationCreate   Output: EventSubscriptionPublic
Errors: unauthenticated, invalid-argument, permission-denied (admins)
Idempotency: none: each call adds a destination
Writes: teams/{teamId}/eventSubscriptions/{id}, secrets/subscription_{teamId}_{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.webhooks import EventBridgeDestinationCreate
from shared.webhooks.service import create_eventbridge_destination


@rejects_malformed_json
@https_fn.on_call()
def event_subscriptions_create(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, EventBridgeDestinationCreate, create_eventbridge_destination)
