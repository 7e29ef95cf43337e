"""Serving team-defined endpoints (endpoints.py defines them), dispatched by server.py before the route
table:

- `/v1/custom/<path>` with an API key: the team is the key's; the key must hold every scope the endpoint
  names (403 naming the first missing one; `admin:full` grants all). 401 and 429 come first, as for
  every keyed route, then 404 for a path the team has no enabled endpoint at, or 405 with `Allow` for a
  method the path does not take (the endpoints of a path are one `get_all`: their ids are digests).
- `/v1/public/{teamId}/<path>` without a key, for endpoints saved with `public: true` only (any other
  answers 404, as an unknown one does, and only public endpoints count towards `Allow`). With no key
  there is nothing to tell the team by, so the URL
  names it. Each client address has a fixed budget per team (`PUBLIC_BUDGET`), counted by the API
  keys' sliding-window limiter (shared/api_keys/rate_limiter.py) under a synthetic key id, a digest of
  the address; the address is the last `X-Forwarded-For` entry (the one Google's front end appends,
  which a client cannot forge), else the connection's.

A POST or PUT carries a JSON object body (at most 1 MiB, 16 levels), checked against the endpoint's
schema: every failure is a 400 problem with the JSON pointer of the failing part of the body. Then the
target:

- `event`: the body becomes an event of the endpoint's `custom.<name>` type (shared/events.py), answered
  202 `{"eventId", "type"}`. Under an `Idempotency-Key` the request runs through the API's idempotency
  (idempotency.py: scoped by the key, or for public endpoints by the address) and the event id derives
  from the claim, so a retry emits nothing twice, even after a crash half way.
- `proxy`: the request (method, body, query string, `Idempotency-Key`) goes to the integration's
  `baseUrl` + the target's path with the integration's own headers and credentials, through the
  outbound client (SSRF guard, timeouts, audit record naming the key). The answer is the third party's
  status and JSON body, with every credential the request carried replaced by `***` should the third
  party echo it; a transport failure or an answer that is not JSON is 502. A POST is not retried by the
  outbound client; the caller's `Idempotency-Key` is passed on instead.
"""

from __future__ import annotations

import functools
import json
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pydantic
from flask import Request
from pydantic import TypeAdapter

from shared import json_input, log, outbound
from shared.api_keys.rate_limiter import RateLimiter
from shared.api_keys.validation import KeyCheck
from shared.events import emit
from shared.ids import digest
from shared.integrations.connection_test import USER_AGENT, auth_headers
from shared.integrations.service import full_config
from shared.models.api_keys import RateLimit, grants
from shared.models.base import DocumentId
from shared.models.integrations import IntegrationType
from shared.models.public_api import RestEndpointDoc, TargetType
from shared.public_api import endpoints, idempotency
from shared.public_api.problems import FieldProblem, Problem, body_pointer
from shared.public_api.router import Reply
from shared.store import integrations as integrations_store

CUSTOM_PREFIX = "/v1/custom/"
PUBLIC_PREFIX = "/v1/public/"
# Per client address and team; a module attribute so that tests can lower it.
PUBLIC_BUDGET = RateLimit(requests=60, window=60_000)
MAX_SCHEMA_ERRORS = 20
REDACTED = "***"
JSON = "application/json"

_DOCUMENT_ID: TypeAdapter[str] = TypeAdapter(DocumentId)


@dataclass(frozen=True)
class Transport:
    """What the server lends: its key check (401, 429, rate-limit headers) and its JSON body reader
    (415, 413, 400 for a body that is not a JSON object)."""

    authenticate: Callable[[], KeyCheck]
    json_body: Callable[[], Any]


@dataclass(frozen=True)
class Caller:
    team_id: str
    # The API key's id, or for a public endpoint a digest of the client address.
    key_id: str
    # For the audit record of a proxied request.
    actor: str


def claims(path: str) -> bool:
    return path.startswith(CUSTOM_PREFIX) or path.startswith(PUBLIC_PREFIX)


@functools.cache
def _limiter() -> RateLimiter:
    return RateLimiter()


def reset_limiter() -> None:
    _limiter.cache_clear()


def _not_found() -> Problem:
    return Problem(404, "not-found", "no such endpoint")


def _chosen(by_method: dict[str, RestEndpointDoc], method: str) -> RestEndpointDoc:
    """The endpoint for `method`; 405 with `Allow` when the path takes other methods only, else 404."""
    if method in by_method:
        return by_method[method]
    if not by_method:
        raise _not_found()
    allow = ", ".join(sorted(by_method))
    raise Problem(405, "method-not-allowed", f"this path takes {allow}", headers={"Allow": allow})


def handle(request: Request, path: str, transport: Transport) -> Reply:
    method = request.method
    if path.startswith(PUBLIC_PREFIX):
        team_id, _, rest = path[len(PUBLIC_PREFIX) :].partition("/")
        try:
            _DOCUMENT_ID.validate_python(team_id)
        except pydantic.ValidationError:
            raise _not_found() from None
        public = {
            taken: endpoint
            for taken, endpoint in endpoints.at_path(team_id, "/" + rest).items()
            if endpoint.public
        }
        endpoint = _chosen(public, method)
        caller = Caller(team_id, digest("public", client_address(request)), "public")
        _admit(caller)
        return _serve(request, endpoint, caller, transport)
    check = transport.authenticate()
    key_team, key_id = check.validation.team_id, check.validation.key_id
    if key_team is None or key_id is None:
        raise Problem(500, "internal", "a valid key without a team")
    endpoint = _chosen(endpoints.at_path(key_team, "/" + path[len(CUSTOM_PREFIX) :]), method)
    granted = set(check.validation.scopes or ())
    missing = next((scope for scope in endpoint.scopes if not grants(granted, scope)), None)
    if missing is not None:
        raise Problem(403, "missing-scope", f"this endpoint needs the scope {missing} (or admin:full)")
    return _serve(request, endpoint, Caller(key_team, key_id, f"apiKey:{key_id}"), transport)


def client_address(request: Request) -> str:
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    return forwarded[-1] if forwarded[-1] else (request.remote_addr or "unknown")


def _admit(caller: Caller) -> None:
    admission = _limiter().acquire(caller.team_id, caller.key_id, PUBLIC_BUDGET)
    if not admission.admitted:
        wait = max(1, math.ceil(admission.reset_ms / 1000 - time.time()))
        raise Problem(
            429,
            "rate-limited",
            f"this address's budget for the team's public endpoints is spent; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def _serve(request: Request, endpoint: RestEndpointDoc, caller: Caller, transport: Transport) -> Reply:
    body: Any = None
    if endpoint.method in endpoints.BODY_METHODS:
        body = transport.json_body()
        if endpoint.schema_text is not None:
            _validate(endpoint.schema_text, body)
    log.bind(endpointId=endpoint.id)
    if endpoint.target.type is TargetType.PROXY:
        return _proxy(request, endpoint, caller, body)
    key_header = request.headers.get(idempotency.HEADER)
    if key_header is None:
        return _emit(endpoint, caller, body, uuid.uuid4().hex)
    scope = idempotency.Scope(caller.team_id, caller.key_id, endpoint.method, "custom:" + endpoint.path, {})
    return idempotency.run_once(
        scope,
        idempotency.parse_key(key_header),
        body,
        lambda claim_id: _emit(endpoint, caller, body, digest(endpoint.id, claim_id)),
    )


def _validate(schema_text: str, body: Any) -> None:
    found = sorted(
        endpoints.body_validator(schema_text).iter_errors(body),
        key=lambda error: body_pointer(list(error.absolute_path)),
    )[:MAX_SCHEMA_ERRORS]
    if not found:
        return
    # Named by the schema's keyword and value, never by the input's value.
    problems = [
        FieldProblem(
            body_pointer(list(error.absolute_path)),
            error.message
            if error.validator == "required"
            else f"does not satisfy the schema's {error.validator}: {_short(error.validator_value)}",
        )
        for error in found
    ]
    first = problems[0]
    raise Problem(400, "invalid-request", f"{first.pointer or 'the body'}: {first.detail}", problems)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 100 else text[:99] + "…"


def _emit(endpoint: RestEndpointDoc, caller: Caller, body: Any, token: str) -> Reply:
    event_type = endpoint.target.event_type
    if event_type is None:
        raise Problem(500, "internal", "an event endpoint without an event type")
    event_id = f"custom-{token}"
    # False on a retaken claim whose first run emitted already: the same event, answered again.
    emit(caller.team_id, event_type, body, event_id)
    return Reply(202, {"eventId": event_id, "type": event_type})


def _proxy(request: Request, endpoint: RestEndpointDoc, caller: Caller, body: Any) -> Reply:
    integration_id, target_path = endpoint.target.integration_id, endpoint.target.path
    if integration_id is None or target_path is None:
        raise Problem(500, "internal", "a proxy endpoint without its integration")
    doc = integrations_store.get(caller.team_id, integration_id)
    if doc is None or doc.type is not IntegrationType.REST or not doc.enabled:
        raise Problem(502, "bad-gateway", "the endpoint's integration is gone or disabled")
    config, stored = full_config(doc)
    secrets = [value for value in stored.values() if value]
    headers = {"User-Agent": USER_AGENT, "Accept": JSON, **config.get("headers", {})}
    headers.update(auth_headers(config.get("auth", {}), secrets, caller.team_id))
    key_header = request.headers.get(idempotency.HEADER)
    if key_header is not None:
        headers[idempotency.HEADER] = idempotency.parse_key(key_header)
    query = request.query_string.decode("latin-1")
    url = config["baseUrl"].rstrip("/") + target_path + (f"?{query}" if query else "")
    sent = outbound.OutboundRequest(
        endpoint.method, url, headers=headers, json=body, secrets=secrets, retry=endpoint.method != "POST"
    )
    try:
        answer = outbound.client().send(
            sent, outbound.AuditTarget(caller.team_id, integration_id, caller.actor)
        )
    except outbound.OutboundError as error:
        log.warning("custom endpoint proxy failed", kind=error.kind)
        raise Problem(502, "bad-gateway", "the integration could not be reached") from None
    if not answer.body.strip():
        return _plain(answer.status_code, None)
    try:
        parsed = json_input.loads(answer.body)
    except json_input.UnusableJson:
        raise Problem(502, "bad-gateway", "the integration answered something other than JSON") from None
    return _plain(answer.status_code, _scrubbed(parsed, secrets))


def _plain(status: int, body: Any) -> Reply:
    """The third party's answer as JSON (not a problem document, whatever its status)."""
    return Reply(status, "" if body is None else json.dumps(body), media_type=JSON)


def _scrubbed(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list):
        return [_scrubbed(item, secrets) for item in value]
    if isinstance(value, dict):
        return {_scrubbed(name, secrets): _scrubbed(item, secrets) for name, item in value.items()}
    return value
