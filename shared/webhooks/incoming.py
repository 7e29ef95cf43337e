"""Incoming webhooks: one pipeline for every source, at `.../webhook_<source>/{teamId}/{integrationId}`.

In this order, each refusal a 4xx with `{"error": {"status", "message"}}` and nothing stored:

1. POST only (405); a body of at most 1 MiB, declared or actual (413); JSON, or a form for Slack (415).
2. The URL names an enabled integration of the source's type that holds the secret its scheme needs
   (404, the same answer whatever is missing, so the URL reveals nothing).
3. The signature, over the raw body bytes before anything parses them, compared in constant time; a
   timestamp more than 5 minutes from now, either way, is refused (401).
4. Parsing (400). Slack's `url_verification` is answered with its challenge and stores nothing.
5. Each event is stored once with `create()` under `{source}_{provider event id}`; a duplicate is
   answered `{"ok": true, "duplicate": true}` and changes nothing. Success is answered at once; the
   work happens in `on_webhook_event_created` (Slack wants an answer within 3 s). When the database
   fails, the answer is 503 whatever it said, so the sender retries (a 4xx is final for some).

HubSpot signs the full URL it called, which the function may not receive as such: the emulator hands
over `http://127.0.0.1:5001/{teamId}/{integrationId}` (the `/{project}/{region}/webhook_hubspot` prefix
stripped), and in production TLS ends before the instance. So the URL is also rebuilt under
WEBHOOK_PUBLIC_BASE_URL (default: the cloudfunctions.net URL, or the emulator's); a custom domain or a
proxy in front must keep the URL intact or be named in that setting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from flask import Request, Response

from shared import errors, json_input, log, standard_webhooks
from shared.https import error_response, json_response, read_body
from shared.integrations import config as configs
from shared.integrations.service import load_cached
from shared.models.base import InputModel
from shared.models.integrations import (
    IntegrationDoc,
    RestConfig,
    SlackConfig,
    WebhookConfig,
    ZapierConfig,
)
from shared.models.webhooks_incoming import (
    INTEGRATION_TYPE_FOR,
    Source,
    WebhookEventDoc,
    WebhookEventStatus,
)
from shared.settings import get_settings
from shared.store import webhook_events as store

MAX_BODY_BYTES = 1024 * 1024
TOLERANCE_SECONDS = 5 * 60
RETENTION = timedelta(days=7)
# Stored payloads stay well inside Firestore's 1 MiB document and 20 levels of nesting.
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_BATCH_EVENTS = 1000
MAX_FORM_FIELDS = 200
# Longer provider ids, or ids with other characters, are shortened and suffixed with a hash.
MAX_ID_LENGTH = 100
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
DOCUMENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
ACCEPTED_TYPES: dict[Source, frozenset[str]] = {
    Source.SLACK: frozenset({JSON, FORM}),
    Source.ZAPIER: frozenset({JSON}),
    Source.HUBSPOT: frozenset({JSON}),
    Source.GENERIC: frozenset({JSON}),
}
UNKNOWN_TYPE = "unknown"
SLASH_COMMAND = "slash_command"

# HubSpot decodes these in the URI before signing (its v3 signature documentation).
HUBSPOT_URI_DECODING = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


# ------------------------------------------------------------------ what travels between the steps


class Refused(Exception):
    """A request answered with a 4xx and nothing stored."""

    def __init__(
        self, error: errors.AppError, status: int | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.status = errors.http_status(error) if status is None else status
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Delivery:
    """The request as the pipeline sees it: no Flask past the transport."""

    method: str
    url: str
    path: str
    query: str
    headers: Mapping[str, str]  # names in lower case
    mimetype: str  # lower case, without parameters
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Target:
    """The integration a URL names, with its configuration (secrets included)."""

    team_id: str
    integration: IntegrationDoc
    config: InputModel
    secrets: dict[str, str]


@dataclass(frozen=True)
class IncomingEvent:
    provider_event_id: str
    event_type: str
    payload: dict[str, Any]
    # The event's JSON as it arrived, when the body is one event (stored as text, never as a Firestore
    # map: arrays in arrays, 1,500-byte field names or odd numbers must not stop an event being stored).
    raw_json: str | None = None

    def stored_text(self) -> str:
        return self.raw_json if self.raw_json is not None else json.dumps(self.payload, separators=(",", ":"))


@dataclass(frozen=True)
class Parsed:
    events: list[IncomingEvent] = field(default_factory=list)
    # Slack's url_verification: answered with this, nothing stored.
    challenge: str | None = None


def _not_found() -> Refused:
    return Refused(errors.NotFound("no webhook endpoint here"))


def _unauthenticated(reason: str) -> Refused:
    return Refused(errors.Unauthenticated(reason))


def _bad_request(reason: str) -> Refused:
    return Refused(errors.InvalidArgument(reason))


# ------------------------------------------------------------------ the HTTP transport


def receive(request: Request, source: Source) -> Response:
    """The whole of a `webhook_<source>` function: checks, verification, storage, the answer."""
    started = time.perf_counter()
    trace = request.headers.get("X-Cloud-Trace-Context", "")
    with log.bound(
        function=f"webhook_{source.value}", source=source.value, requestId=trace.split("/", 1)[0] or None
    ):
        try:
            answer = handle(source, _delivery(request, source))
        except Refused as refusal:
            log.info(
                "webhook refused",
                status=refusal.status,
                reason=refusal.error.message,
                durationMs=_elapsed_ms(started),
            )
            return error_response(refusal.error, refusal.status, refusal.headers)
        except errors.AppError as error:
            # Every refusal is a `Refused`; anything else is the database failing (unavailable, busy, a
            # write aborted on a lock). Whatever its code, the event is not stored, so the answer is a
            # 5xx: senders retry those, while a 4xx (409 for an aborted write) is final for HubSpot.
            log.warning("webhook not stored", code=error.code.value, reason=error.message)
            return error_response(errors.Unavailable("the event could not be stored; try again"))
        except Exception as error:  # noqa: BLE001 - the one place unknown errors become `internal`
            log.exception("webhook failed", error)
            return error_response(errors.Internal("internal error"))
        log.info("webhook answered", status=answer.status, durationMs=_elapsed_ms(started))
        return json_response(answer.body, answer.status)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _too_large() -> Refused:
    return Refused(
        errors.InvalidArgument(
            f"the body is larger than {MAX_BODY_BYTES} bytes", details={"limitBytes": MAX_BODY_BYTES}
        ),
        413,
    )


def _delivery(request: Request, source: Source) -> Delivery:
    """Method, size and content type (the transport's checks), then the request as plain data."""
    if request.method != "POST":
        raise Refused(errors.InvalidArgument("use POST"), 405, {"Allow": "POST"})
    body = read_body(request, MAX_BODY_BYTES)
    if body is None:
        raise _too_large()
    accepted = ACCEPTED_TYPES[source]
    if request.mimetype not in accepted:
        raise Refused(
            errors.InvalidArgument(f"Content-Type must be {' or '.join(sorted(accepted))}"),
            415,
        )
    return Delivery(
        method=request.method,
        url=request.url,
        path=request.path,
        query=request.query_string.decode("latin-1"),
        headers={name.lower(): value for name, value in request.headers.items()},
        mimetype=request.mimetype,
        body=body,
    )


# ------------------------------------------------------------------ the pipeline


def handle(source: Source, delivery: Delivery) -> Answer:
    """Find the integration, verify the signature, parse, store once; `Refused` for any 4xx."""
    team_id, integration_id = _endpoint(delivery.path)
    # Bound for the rest of the request, so the transport's last line carries them too.
    log.bind(teamId=team_id, integrationId=integration_id)
    target = _target(source, team_id, integration_id)
    VERIFIERS[source](target, delivery)
    parsed = PARSERS[source](delivery)
    if parsed.challenge is not None:
        return Answer(200, {"challenge": parsed.challenge})
    return _store(source, target, parsed.events)


def _endpoint(path: str) -> tuple[str, str]:
    """(teamId, integrationId): the last two segments of the path, whatever prefix the host adds."""
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) < 2:
        raise _not_found()
    team_id, integration_id = segments[-2], segments[-1]
    if not (DOCUMENT_ID_PATTERN.match(team_id) and DOCUMENT_ID_PATTERN.match(integration_id)):
        raise _not_found()
    return team_id, integration_id


def _target(source: Source, team_id: str, integration_id: str) -> Target:
    """The named integration, when it exists, is enabled, has the right type and holds its secret."""
    loaded = load_cached(team_id, integration_id)
    if loaded is None:
        raise _not_found()
    integration, secrets = loaded.doc, loaded.secrets
    if not integration.enabled or integration.type is not INTEGRATION_TYPE_FOR[source]:
        raise _not_found()
    if loaded.model is None:
        log.warning("webhook integration has an invalid stored configuration")
        raise _not_found()
    target = Target(team_id, integration, loaded.model, secrets)
    if not _secrets_for(source, target):
        raise _not_found()
    return target


def _secrets_for(source: Source, target: Target) -> list[str]:
    """The secrets a request may be signed with (the current one first), empty when there is none."""
    config = target.config
    found: list[str | None] = []
    if source is Source.SLACK and isinstance(config, SlackConfig):
        found = [config.signing_secret]
    elif source is Source.ZAPIER and isinstance(config, ZapierConfig):
        found = [config.incoming_token]
    elif source is Source.HUBSPOT and isinstance(config, RestConfig):
        found = [config.webhook_secret]
    elif source is Source.GENERIC and isinstance(config, WebhookConfig):
        current = target.secrets.get(configs.SIGNING_SECRET)
        found = [current] if current else []
        # After a rotation the previous secret stays valid until its overlap ends (24 h).
        previous_until = target.integration.previous_secret_expires_at
        if current and previous_until is not None and previous_until > datetime.now(UTC):
            found.append(target.secrets.get(configs.PREVIOUS_SIGNING_SECRET))
    return [secret for secret in found if secret]


def _incoming_events(config: InputModel) -> list[str]:
    events = getattr(config, "incoming_events", None)
    return list(events) if isinstance(events, list) else ["*"]


def accepts(incoming_events: list[str], event_type: str) -> bool:
    """`*` takes everything, `group.*` a group, anything else one type exactly."""
    for accepted in incoming_events:
        if accepted == "*" or accepted == event_type:
            return True
        if accepted.endswith(".*") and event_type.startswith(accepted[:-1]):
            return True
    return False


# ------------------------------------------------------------------ signatures


def _same(expected: str, offered: str) -> bool:
    # Bytes, because compare_digest refuses non-ASCII text and a header may carry any.
    return hmac.compare_digest(expected.encode(), offered.encode())


def _timestamp(value: str | None, per_second: int = 1) -> str:
    """A Unix timestamp header (seconds, or milliseconds with per_second=1000) within the tolerance
    of now, returned as sent: the signature covers the text."""
    if not value or not (value.isascii() and value.isdigit()) or len(value) > 16:
        raise _unauthenticated("missing or malformed timestamp")
    if abs(time.time() - int(value) / per_second) > TOLERANCE_SECONDS:
        raise _unauthenticated("timestamp outside the 5-minute tolerance")
    return value


def _verify_slack(target: Target, delivery: Delivery) -> None:
    """`v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">` with the Slack app's signing secret."""
    offered = delivery.headers.get("x-slack-signature")
    timestamp = delivery.headers.get("x-slack-request-timestamp")
    if not offered:
        raise _unauthenticated("missing X-Slack-Signature")
    signed = b"v0:" + _timestamp(timestamp).encode() + b":" + delivery.body
    for secret in _secrets_for(Source.SLACK, target):
        expected = "v0=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if _same(expected, offered):
            return
    raise _unauthenticated("signature does not match")


def _standard_signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(standard_webhooks.SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _verify_standard(target: Target, delivery: Delivery) -> None:
    """Standard Webhooks: any `v1,<base64>` entry of `webhook-signature` made with a current or
    previous secret over `{webhook-id}.{webhook-timestamp}.{body}`."""
    message_id = delivery.headers.get("webhook-id")
    timestamp = delivery.headers.get("webhook-timestamp")
    offered_header = delivery.headers.get("webhook-signature")
    if not message_id or not offered_header:
        raise _unauthenticated("missing webhook-id or webhook-signature")
    timestamp = _timestamp(timestamp)
    offered = [entry.split(",", 1)[1] for entry in offered_header.split(" ") if entry.startswith("v1,")]
    for secret in _secrets_for(Source.GENERIC, target):
        expected = _standard_signature(secret, message_id, timestamp, delivery.body)
        if any(_same(expected, candidate) for candidate in offered):
            return
    raise _unauthenticated("signature does not match")


def _hubspot_uris(delivery: Delivery) -> list[str]:
    """The URLs HubSpot may have signed: rebuilt under the public base URL (what HubSpot was given),
    as received, and as https behind a TLS-terminating proxy. Trying several is safe: each one still
    needs the secret."""
    team_id, integration_id = _endpoint(delivery.path)
    rebuilt = (
        f"{get_settings().webhook_public_base_url}/webhook_{Source.HUBSPOT.value}/{team_id}/{integration_id}"
    )
    candidates = [f"{rebuilt}?{delivery.query}" if delivery.query else rebuilt, delivery.url]
    forwarded = delivery.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    if forwarded == "https" and delivery.url.startswith("http://"):
        candidates.append("https://" + delivery.url.removeprefix("http://"))
    decoded = []
    for uri in candidates:
        for encoded, plain in HUBSPOT_URI_DECODING.items():
            uri = re.sub(re.escape(encoded), plain, uri, flags=re.IGNORECASE)
        decoded.append(uri)
    return list(dict.fromkeys(decoded))


def _verify_hubspot(target: Target, delivery: Delivery) -> None:
    """HubSpot v3: base64 HMAC-SHA256 of method + URI + body + timestamp (milliseconds)."""
    offered = delivery.headers.get("x-hubspot-signature-v3")
    timestamp = delivery.headers.get("x-hubspot-request-timestamp")
    if not offered:
        raise _unauthenticated("missing X-HubSpot-Signature-v3")
    timestamp = _timestamp(timestamp, per_second=1000)
    matched = False
    uris = _hubspot_uris(delivery)
    for secret in _secrets_for(Source.HUBSPOT, target):
        for uri in uris:
            signed = delivery.method.encode() + uri.encode() + delivery.body + timestamp.encode()
            expected = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
            matched = _same(expected, offered) or matched
    if not matched:
        # The usual cause is a URL changed on the way; the candidates say which ones were tried.
        log.info("hubspot signature checked against", uris=uris)
        raise _unauthenticated("signature does not match")


def _verify_zapier(target: Target, delivery: Delivery) -> None:
    """A shared token in `X-Zapier-Token`; Zapier signs nothing, so there is no timestamp."""
    offered = delivery.headers.get("x-zapier-token")
    if not offered:
        raise _unauthenticated("missing X-Zapier-Token")
    if not any(_same(secret, offered) for secret in _secrets_for(Source.ZAPIER, target)):
        raise _unauthenticated("token does not match")


VERIFIERS: dict[Source, Callable[[Target, Delivery], None]] = {
    Source.SLACK: _verify_slack,
    Source.ZAPIER: _verify_zapier,
    Source.HUBSPOT: _verify_hubspot,
    Source.GENERIC: _verify_standard,
}


# ------------------------------------------------------------------ parsing (after verification)


def _json_body(raw: bytes | str) -> Any:
    try:
        # A provider's payload may nest deeper than our callers' inputs; only the parser's own limit
        # applies (the raw body is what is stored).
        return json_input.loads(raw, max_depth=900)
    except json_input.UnusableJson:
        raise _bad_request("the body is not valid JSON") from None


def _json_object(raw: bytes | str) -> dict[str, Any]:
    value = _json_body(raw)
    if not isinstance(value, dict):
        raise _bad_request("the body must be a JSON object")
    return value


def _text(value: Any) -> str | None:
    """A provider id or type given as text or a number; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int):
        return str(value)
    return None


def _body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _raw_text(delivery: Delivery) -> str:
    # The body parsed as JSON already, so it is valid UTF-8.
    return delivery.body.decode("utf-8")


def _parse_slack(delivery: Delivery) -> Parsed:
    """Events API JSON (`event_id`), slash commands (a form, `trigger_id`), interactivity (a form
    whose `payload` is JSON)."""
    if delivery.mimetype == FORM:
        try:
            fields = parse_qs(
                delivery.body.decode("utf-8"),
                keep_blank_values=True,
                strict_parsing=False,
                max_num_fields=MAX_FORM_FIELDS,
            )
        except (UnicodeDecodeError, ValueError):
            raise _bad_request("the body is not a valid form") from None
        form = {name: values[0] for name, values in fields.items() if values}
        if "payload" in form:
            payload = _json_object(form["payload"])
            event_type = _text(payload.get("type")) or UNKNOWN_TYPE
            provider_id = _text(payload.get("trigger_id")) or _body_hash(delivery.body)
            return Parsed([IncomingEvent(provider_id, event_type, payload)])
        if "command" in form:
            provider_id = form.get("trigger_id") or _body_hash(delivery.body)
            return Parsed([IncomingEvent(provider_id, SLASH_COMMAND, form)])
        raise _bad_request("a Slack form carries a slash command or an interaction payload")
    body = _json_object(delivery.body)
    body_type = _text(body.get("type")) or UNKNOWN_TYPE
    if body_type == "url_verification":
        challenge = body.get("challenge")
        if not isinstance(challenge, str):
            raise _bad_request("url_verification without a challenge")
        return Parsed(challenge=challenge)
    event = body.get("event")
    event_type = body_type
    if body_type == "event_callback" and isinstance(event, dict):
        event_type = _text(event.get("type")) or UNKNOWN_TYPE
    provider_id = _text(body.get("event_id")) or _body_hash(delivery.body)
    return Parsed([IncomingEvent(provider_id, event_type, body, _raw_text(delivery))])


def _parse_standard(delivery: Delivery) -> Parsed:
    body = _json_object(delivery.body)
    event_type = _text(body.get("type")) or UNKNOWN_TYPE
    return Parsed([IncomingEvent(delivery.headers["webhook-id"], event_type, body, _raw_text(delivery))])


def _parse_zapier(delivery: Delivery) -> Parsed:
    body = _json_object(delivery.body)
    event_type = _text(body.get("action")) or _text(body.get("event")) or UNKNOWN_TYPE
    provider_id = _text(body.get("id")) or _body_hash(delivery.body)
    return Parsed([IncomingEvent(provider_id, event_type, body, _raw_text(delivery))])


def _parse_hubspot(delivery: Delivery) -> Parsed:
    """HubSpot posts a JSON array of events, each with its own `eventId`."""
    body = _json_body(delivery.body)
    if not isinstance(body, list) or not body:
        raise _bad_request("the body must be a non-empty JSON array of events")
    if len(body) > MAX_BATCH_EVENTS:
        raise _bad_request(f"at most {MAX_BATCH_EVENTS} events per request")
    events = []
    for index, item in enumerate(body):
        if not isinstance(item, dict):
            raise _bad_request(f"event [{index}] is not an object")
        provider_id = _text(item.get("eventId"))
        if provider_id is None:
            raise _bad_request(f"event [{index}] has no eventId")
        events.append(IncomingEvent(provider_id, _text(item.get("subscriptionType")) or UNKNOWN_TYPE, item))
    return Parsed(events)


PARSERS: dict[Source, Callable[[Delivery], Parsed]] = {
    Source.SLACK: _parse_slack,
    Source.ZAPIER: _parse_zapier,
    Source.HUBSPOT: _parse_hubspot,
    Source.GENERIC: _parse_standard,
}


# ------------------------------------------------------------------ storage


def event_document_id(source: Source, provider_event_id: str) -> str:
    """`{source}_{id}`: the id as is when it is short and plain; otherwise `{source}~{cleaned}~{hash}`,
    cut, with a hash of the original. Source names hold no `_` or `~`, and only the hashed form has a
    `~`, so two different ids never share a document (a plain id cannot be made to look hashed)."""
    if len(provider_event_id) <= MAX_ID_LENGTH and ID_PATTERN.match(provider_event_id):
        return f"{source.value}_{provider_event_id}"
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", provider_event_id)[:60]
    digest = hashlib.sha256(provider_event_id.encode()).hexdigest()[:32]
    return f"{source.value}~{cleaned}~{digest}"


def bounded_payload(text: str) -> tuple[str | None, bool]:
    """(the JSON text to store, whether it was too large to keep): past the limit only its size and
    hash are kept."""
    return (text, False) if len(text.encode()) <= MAX_PAYLOAD_BYTES else (None, True)


def _store(source: Source, target: Target, events: list[IncomingEvent]) -> Answer:
    now = datetime.now(UTC)
    incoming_events = _incoming_events(target.config)
    docs = []
    for event in events:
        text = event.stored_text()
        payload_json, truncated = bounded_payload(text)
        docs.append(
            WebhookEventDoc(
                id=event_document_id(source, event.provider_event_id),
                source=source,
                integration_id=target.integration.id,
                event_type=event.event_type[:200],
                provider_event_id=event.provider_event_id[:1000],
                payload_json=payload_json,
                payload_truncated=truncated,
                payload_bytes=len(text.encode()),
                payload_sha256=hashlib.sha256(text.encode()).hexdigest(),
                received_at=now,
                status=(
                    WebhookEventStatus.RECEIVED
                    if accepts(incoming_events, event.event_type)
                    else WebhookEventStatus.IGNORED
                ),
                expire_at=now + RETENTION,
            )
        )
    if len(docs) == 1:
        created = [store.create(target.team_id, docs[0])]
    else:
        created = store.create_all(target.team_id, docs)
    stored = sum(created)
    duplicates = len(created) - stored
    log.info(
        "webhook events stored",
        stored=stored,
        duplicates=duplicates,
        eventIds=[doc.id for doc in docs][:20],
    )
    body: dict[str, Any] = {"ok": True}
    if stored == 0:
        body["duplicate"] = True
    if len(docs) > 1:
        body.update(stored=stored, duplicates=duplicates)
    if source is Source.SLACK and docs[0].event_type == SLASH_COMMAND:
        # Slack shows a slash command's answer to the user who typed it (only to them: ephemeral).
        accepted = docs[0].status is WebhookEventStatus.RECEIVED
        body.update(
            response_type="ephemeral",
            text="Received: a ticket is on its way." if accepted else "This command is not handled here.",
        )
    return Answer(200, body)
