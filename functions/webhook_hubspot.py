"""HubSpot webhook batches call in: verify the v3 signature, store each event of the batch once.

Trigger: https POST .../webhook_hubspot/{teamId}/{integrationId}
Input: a JSON array of HubSpot events; X-HubSpot-Signature-v3 (base64 HMAC-SHA256 of method + URL +
    body + timestamp, keyed by the rest integration's webhookSecret) and X-HubSpot-Request-Timestamp
    (milliseconds). The URL signed is the one HubSpot called, rebuilt under WEBHOOK_PUBLIC_BASE_URL
    (default: the cloudfunctions.net URL); a custom domain or proxy must be named there
Output: 200 {"ok": true, "stored": n, "duplicates": m} once every event is stored or a duplicate
Errors: 405 not POST, 413 over 1 MiB, 415 not JSON, 404 no enabled rest integration with a webhook
    secret at this URL, 401 bad signature or timestamp more than 5 minutes off, 400 malformed body,
    503 the event could not be stored (the sender retries)
Idempotency: one document per event, id hubspot_{eventId}, claimed with create()
Writes: teams/{teamId}/webhookEvents/{source}_{providerEventId} (expireAt: 7 days); nothing on a refusal
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.models.webhooks_incoming import Source
from shared.webhooks.incoming import receive


@https_fn.on_request()
def webhook_hubspot(request: Request) -> Response:
    return receive(request, Source.HUBSPOT)
