"""Zapier's sample list for an event type, so a Zap can be set up before any event happens.

Trigger: https GET ?event=ticket.created, X-API-Key: jk_live_... (webhooks:manage)
Input: the event type   Output: 200 [one sample record]
Errors: 401 (no or bad key), 403 (scope), 400 (unknown event type)
Idempotency: none: read-only
Writes: nothing
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.webhooks.zapier_hooks import sample_list


@https_fn.on_request()
def webhook_zapier_samples(request: Request) -> Response:
    return sample_list(request)
