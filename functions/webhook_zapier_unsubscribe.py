"""Zapier REST hook unsubscribe: the Zap was turned off (API key with webhooks:manage).

Trigger: https POST or DELETE {"id"}, X-API-Key: jk_live_...
Input: ZapierUnsubscribe   Output: 200 {"ok": true, "id"}
Errors: 401 (no or bad key), 403 (scope), 400 (input)
Idempotency: idempotent: unsubscribing what is gone answers the same
Writes: deletes teams/{teamId}/eventSubscriptions/{id}, secrets/subscription_{teamId}_{id}
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.webhooks.zapier_hooks import unsubscribe


@https_fn.on_request()
def webhook_zapier_unsubscribe(request: Request) -> Response:
    return unsubscribe(request)
