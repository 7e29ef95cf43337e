"""A team's outgoing deliveries, newest first, with every attempt; filter by status or integration.

Trigger: callable
Input: DeliveryListQuery   Output: Page[DeliveryPublic]
Errors: unauthenticated, invalid-argument, permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.webhooks import DeliveryListQuery
from shared.webhooks.service import list_deliveries


@rejects_malformed_json
@https_fn.on_call()
def deliveries_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, DeliveryListQuery, list_deliveries)
