"""Try a failed delivery again now.

Trigger: callable
Input: DeliveryRef   Output: DeliveryPublic
Errors: unauthenticated, invalid-argument, permission-denied (admins), not-found,
    failed-precondition (already succeeded)
Idempotency: the queued task's id derives from the delivery and its next attempt
Writes: teams/{teamId}/deliveries/{id}; Cloud Tasks queue taskDeliverEvent
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.webhooks import DeliveryRef
from shared.webhooks.service import retry_delivery


@rejects_malformed_json
@https_fn.on_call()
def deliveries_retry(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, DeliveryRef, retry_delivery)
