"""Slack (Events API, slash commands, interactivity) calls in: verify, store each event once, answer at once.

Trigger: https POST .../webhook_slack/{teamId}/{integrationId}
Input: the raw body (JSON, or a form for slash commands and interactivity); X-Slack-Signature v0 and
    X-Slack-Request-Timestamp (seconds) made with the slack integration's signingSecret
Output: 200 {"ok": true} (a duplicate adds "duplicate": true); url_verification gets {"challenge": ...}
Errors: 405 not POST, 413 over 1 MiB, 415 not JSON or a form, 404 no enabled slack integration with a
    signing secret at this URL, 401 bad signature or timestamp more than 5 minutes off, 400 malformed body,
    503 the event could not be stored (the sender retries)
Idempotency: the document id slack_{event_id | trigger_id}, claimed with create(); Slack's retries
    (X-Slack-Retry-Num) are duplicates
Writes: teams/{teamId}/webhookEvents/{source}_{providerEventId} (expireAt: 7 days); nothing on a refusal
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.models.webhooks_incoming import Source
from shared.webhooks.incoming import receive


@https_fn.on_request()
def webhook_slack(request: Request) -> Response:
    return receive(request, Source.SLACK)
