"""Any sender signing with Standard Webhooks calls in: verify, store each event once, answer at once.

Trigger: https POST .../webhook_generic/{teamId}/{integrationId}
Input: a JSON object (its "type" is the event type); webhook-id, webhook-timestamp (seconds) and
    webhook-signature (v1,<base64>) made with the webhook integration's whsec_ signing secret (or the
    previous one during a rotation)
Output: 200 {"ok": true} (a duplicate adds "duplicate": true)
Errors: 405 not POST, 413 over 1 MiB, 415 not JSON, 404 no enabled webhook integration at this URL,
    401 bad signature or timestamp more than 5 minutes off, 400 malformed body,
    503 the event could not be stored (the sender retries)
Idempotency: the document id generic_{webhook-id}, claimed with create()
Writes: teams/{teamId}/webhookEvents/{source}_{providerEventId} (expireAt: 7 days); nothing on a refusal
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.models.webhooks_incoming import Source
from shared.webhooks.incoming import receive


@https_fn.on_request()
def webhook_generic(request: Request) -> Response:
    return receive(request, Source.GENERIC)
