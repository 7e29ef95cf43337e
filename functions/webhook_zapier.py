"""A Zapier action calls in with the integration's shared token: store each event once, answer at once.

Trigger: https POST .../webhook_zapier/{teamId}/{integrationId}
Input: a JSON object ({"action": "ticket.create", "data": {...}} or {"event": ...}, optional "id");
    X-Zapier-Token equal to the zapier integration's incomingToken
Output: 200 {"ok": true} (a duplicate adds "duplicate": true)
Errors: 405 not POST, 413 over 1 MiB, 415 not JSON, 404 no enabled zapier integration with an
    incoming token at this URL, 401 missing or wrong token, 400 malformed body,
    503 the event could not be stored (the sender retries)
Idempotency: the document id zapier_{body id, else the SHA-256 of the body}, claimed with create()
Writes: teams/{teamId}/webhookEvents/{source}_{providerEventId} (expireAt: 7 days); nothing on a refusal
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.models.webhooks_incoming import Source
from shared.webhooks.incoming import receive


@https_fn.on_request()
def webhook_zapier(request: Request) -> Response:
    return receive(request, Source.ZAPIER)
