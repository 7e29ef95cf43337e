"""Zapier REST hook subscribe: store a Zap's target URL for one event type (API key with webhooks:manage).

Trigger: https POST {"targetUrl", "event", "integrationId"?}, X-API-Key: jk_live_...
Input: ZapierSubscribe   Output: 201 {"id", "event"}
Errors: 401 (no or bad key), 403 (scope), 400 (input), 429 (the key's rate limit)
Idempotency: none: each call is a subscription (Zapier keeps the id and unsubscribes by it)
Writes: teams/{teamId}/eventSubscriptions/{id}, secrets/subscription_{teamId}_{id}
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.webhooks.zapier_hooks import subscribe


@https_fn.on_request()
def webhook_zapier_subscribe(request: Request) -> Response:
    return subscribe(request)
