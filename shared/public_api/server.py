"""The pipeline of `public_api`, in this order (each refusal a problem document, nothing written):

0. `GET /v1/openapi.json` (openapi.py) is answered first, without a key; then team-defined endpoints
   (`/v1/custom/...` with a key, `/v1/public/{teamId}/...` without) go to custom.py, which lends this
   module's key check and body reader.
1. The path: `/v1/...` as functions-framework and the emulator hand it over (they strip
   `/{project}/{region}/public_api`), or `/api/v1/...` as a Hosting rewrite passes it (it keeps the
   path). A declared body over 1 MiB is 413 before anything else is looked at.
2. The key (keys.py, which `public_graphql` shares): `Authorization: Bearer jk_live_...`, checked by
   `api_keys_validate`'s validator (its cache, usage and rate limit) with the scope the route needs:
   401 (missing, unknown, disabled, expired), 429 with `Retry-After`, then 404 / 405 (with `Allow`)
   for a path or method the table lacks, then 403 naming the scope (`admin:full` grants every
   scope). The team is the key's; nothing in the request names a team, so a key reaches its own
   team's data only.
3. Input: path parameters (document ids), query parameters (each once, none unknown), then the body
   (JSON, at most 1 MiB read, at most 16 levels deep, an object, the route's model): 400 or 415.
4. `Idempotency-Key` on POST (idempotency.py), then the handler.

Every answer to a request with a usable key carries the rate-limit headers when the key has a rate
limit: `RateLimit-Policy: "default";q=<requests>;w=<window s>` and `RateLimit: "default";r=<remaining>;
t=<s until more quota>` (draft-ietf-httpapi-ratelimit-headers-10/11, sf-string policy names), and
`X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds). A key without a
rate limit has no quota to advertise: its answers carry none of these headers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import pydantic
from flask import Request, Response
from pydantic import TypeAdapter

from shared import errors, json_input, log
from shared.https import read_body
from shared.models.api_keys import ValidationCode
from shared.models.base import DocumentId
from shared.public_api import custom, idempotency, keys, openapi
from shared.public_api.problems import PROBLEM_JSON, FieldProblem, Problem, from_app_error, invalid
from shared.public_api.problems import from_validation_error as problem_from_validation
from shared.public_api.router import Call, Matched, Reply, Route
from shared.public_api.routes import router

MAX_BODY_BYTES = 1024 * 1024
HOSTING_PREFIX = "/api"
JSON = "application/json"

_DOCUMENT_ID: TypeAdapter[str] = TypeAdapter(DocumentId)


def serve(request: Request) -> Response:
    """The whole of `public_api`: one request in, one answer out, never a stack."""
    started = time.perf_counter()
    trace = request.headers.get("X-Cloud-Trace-Context", "")
    rate_headers: dict[str, str] = {}
    with log.bound(function="public_api", method=request.method, requestId=trace.split("/", 1)[0] or None):
        try:
            response = _answer(_handle(request, rate_headers))
        except Problem as problem:
            response = problem_response(problem)
        except errors.AppError as error:
            log.warning("public api error", code=error.code.value, reason=error.message)
            response = problem_response(from_app_error(error))
        except Exception as error:  # noqa: BLE001 - the one place unknown errors become `internal`
            log.exception("public api failed", error)
            response = problem_response(Problem(500, "internal", "internal error"))
        for name, value in rate_headers.items():
            response.headers[name] = value
        log.info(
            "public api answered",
            status=response.status_code,
            durationMs=round((time.perf_counter() - started) * 1000, 1),
        )
        return response


def problem_response(problem: Problem) -> Response:
    return _response(json.dumps(problem.body()), problem.status, PROBLEM_JSON, problem.headers)


def _response(text: str | Iterable[str], status: int, mimetype: str, headers: Mapping[str, str]) -> Response:
    response = Response(text, status=status, mimetype=mimetype)
    for name, value in headers.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def _answer(reply: Reply) -> Response:
    if reply.media_type is not None:
        return _response(reply.body, reply.status, reply.media_type, reply.headers)
    if reply.body is None:
        return _response("", reply.status, JSON, reply.headers)
    text = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
    return _response(text, reply.status, PROBLEM_JSON if reply.status >= 400 else JSON, reply.headers)


def _api_path(path: str) -> str:
    if path == HOSTING_PREFIX or path.startswith(HOSTING_PREFIX + "/"):
        return path[len(HOSTING_PREFIX) :]
    return path


def _handle(request: Request, rate_headers: dict[str, str]) -> Reply:
    declared = request.content_length
    if declared is not None and declared > MAX_BODY_BYTES:
        raise _too_large()
    path = _api_path(request.path)
    if request.method == "GET" and path == openapi.PATH:
        # The document describes the API, not a team: no key needed (nor counted against one).
        return Reply(200, openapi.document_text())
    if custom.claims(path):
        # Team-defined endpoints are not in the route table: their paths are the team's (custom.py).
        return custom.handle(
            request,
            path,
            custom.Transport(
                lambda: keys.authenticate(request, None, rate_headers), lambda: _json_body(request)
            ),
        )
    match = router().match(request.method, path)
    route = match.route if isinstance(match, Matched) else None
    check = keys.authenticate(request, route.scope if route is not None else None, rate_headers)
    if not isinstance(match, Matched):
        if not match.allowed:
            raise Problem(404, "not-found", "no such operation: see the API's routes")
        allow = ", ".join(match.allowed)
        raise Problem(405, "method-not-allowed", f"this path takes {allow}", headers={"Allow": allow})
    if check.validation.code is ValidationCode.INSUFFICIENT_PERMISSIONS:
        scope = match.route.scope.value
        raise Problem(403, "missing-scope", f"this operation needs the scope {scope} (or admin:full)")
    team_id, key_id = check.validation.team_id, check.validation.key_id
    if team_id is None or key_id is None:
        raise errors.Internal("a valid key without a team")
    _check_params(match.params)
    query = _query(request, match.route)
    if match.route.body is None:
        return match.route.handler(Call(team_id, key_id, match.params, query))
    raw = _json_body(request)
    call = Call(team_id, key_id, match.params, query, _model(match.route.body, raw, "body"))
    key_header = request.headers.get(idempotency.HEADER)
    # The draft and Stripe key POST only; PATCH and DELETE here are idempotent by themselves.
    if request.method != "POST" or key_header is None:
        return match.route.handler(call)
    return _idempotent(call, match, idempotency.parse_key(key_header), raw)


def _idempotent(call: Call, match: Matched, key: str, raw: Any) -> Reply:
    scope = idempotency.Scope(
        call.team_id, call.key_id, match.route.method, match.route.pattern, match.params
    )

    def run(new_id: str) -> Reply:
        return match.route.handler(
            Call(call.team_id, call.key_id, call.params, call.query, call.body, new_id=new_id)
        )

    return idempotency.run_once(scope, key, raw, run)


def _too_large() -> Problem:
    return Problem(413, "payload-too-large", f"the body is larger than {MAX_BODY_BYTES} bytes")


def _check_params(params: Mapping[str, str]) -> None:
    for name, value in params.items():
        try:
            _DOCUMENT_ID.validate_python(value)
        except pydantic.ValidationError:
            raise invalid(f"{name} must be 1 to 128 letters, digits, _ or -", f"#/path/{name}") from None


def _query(request: Request, route: Route) -> pydantic.BaseModel | None:
    values: dict[str, str] = {}
    found: list[FieldProblem] = []
    for name in request.args:
        given = request.args.getlist(name)
        if len(given) > 1:
            found.append(FieldProblem(f"#/query/{name}", "given more than once"))
        elif route.query is None:
            found.append(FieldProblem(f"#/query/{name}", "this operation takes no query parameters"))
        values[name] = given[0]
    if found:
        raise Problem(400, "invalid-request", f"{found[0].pointer}: {found[0].detail}", found)
    if route.query is None:
        return None
    try:
        return route.query.model_validate_strings(values)
    except pydantic.ValidationError as error:
        raise problem_from_validation(error, "query") from None


def _json_body(request: Request) -> Any:
    if request.mimetype != JSON:
        raise Problem(415, "unsupported-media-type", "send the body as application/json")
    raw = read_body(request, MAX_BODY_BYTES)
    if raw is None:
        raise _too_large()
    try:
        body = json_input.loads(raw)
    except json_input.UnusableJson as error:
        raise invalid(str(error), "") from None
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object", "")
    return body


def _model(model: type[pydantic.BaseModel], raw: Any, where: str) -> pydantic.BaseModel:
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as error:
        raise problem_from_validation(error, where) from None
