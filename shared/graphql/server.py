"""The pipeline of `public_graphql` (GraphQL over HTTP, the specification draft), in this order:

1. A declared body over 1 MiB is 413; the path must be `/` (or empty) as functions-framework and the
   emulator hand it over, or `/api/graphql` as the Hosting rewrite keeps it (404 otherwise); the
   method GET or POST (405 with `Allow`).
2. The key, exactly as the REST API checks it (shared/public_api/keys.py): 401, 429 with
   `Retry-After`, and the rate-limit headers on every answer for a key with a rate limit. The team is
   the key's: nothing in the request names a team.
3. The request: POST a JSON object (`application/json`, 415 otherwise) or GET query parameters, with
   `query` (text), `variables` (an object) and `operationName`; anything else is 400.
4. The team's schema (service.py); the document parsed (a syntax error, or more than `MAX_TOKENS`
   tokens, is 400), validated by the
   specification's rules and then by our limits (limits.py): a refusal is 422 and nothing is read. A
   mutation over GET is 405 (`Allow: POST`).
5. Execution (asyncio, loaders.py); the answer `{data, errors, extensions}` is 200 when it has data.

Answers are `application/graphql-response+json`, or `application/json` when the client's Accept names
only that; under `application/json` the draft answers a document's parse or validation failure with
200, which we follow. Every error is GraphQL-shaped (`{"errors": [{"message", "extensions": {"code"}}]}`),
never a stack: a failure of ours is `INTERNAL` with no detail (and its stack in the log).
`extensions.cost` carries the query's computed cost, the limit and the Firestore round trips it made.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Request, Response
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSyntaxError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from shared import errors, json_input, log
from shared.graphql import limits, service
from shared.graphql.loaders import Context
from shared.https import read_body
from shared.public_api import keys
from shared.public_api.problems import Problem

MAX_BODY_BYTES = 1024 * 1024
# Tokens in a document: the standard introspection query has under 200, graphql-armor's default limit
# is 1,000; validating 4,000 takes well under a second.
MAX_TOKENS = 5_000
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
PATHS = frozenset({"", "/", "/api/graphql"})
# Application errors raised in a resolver, by their GraphQL code.
_CODES = {
    errors.ErrorCode.INVALID_ARGUMENT: "BAD_USER_INPUT",
    errors.ErrorCode.NOT_FOUND: "NOT_FOUND",
    errors.ErrorCode.PERMISSION_DENIED: "FORBIDDEN",
    errors.ErrorCode.FAILED_PRECONDITION: "FAILED_PRECONDITION",
    errors.ErrorCode.UNAVAILABLE: "UNAVAILABLE",
}


@dataclass
class Refused(Exception):
    """An answer without data: its status, its errors, its headers."""

    status: int
    errors: list[dict[str, Any]]
    headers: Mapping[str, str]

    @classmethod
    def one(cls, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Refused:
        return cls(status, [{"message": message, "extensions": {"code": code}}], dict(headers or {}))


@dataclass(frozen=True)
class GraphqlRequest:
    query: str
    variables: dict[str, Any]
    operation_name: str | None


def serve(request: Request) -> Response:
    """The whole of `public_graphql`: one request in, one answer out, never a stack."""
    started = time.perf_counter()
    trace = request.headers.get("X-Cloud-Trace-Context", "")
    rate_headers: dict[str, str] = {}
    media_type = _media_type(request)
    with log.bound(
        function="public_graphql", method=request.method, requestId=trace.split("/", 1)[0] or None
    ):
        cost: dict[str, Any] = {}
        try:
            status, body = _handle(request, rate_headers, media_type, cost)
            headers: Mapping[str, str] = {}
        except Refused as refused:
            status, body, headers = refused.status, {"errors": refused.errors}, refused.headers
        except Problem as problem:
            code = problem.code.upper().replace("-", "_")
            status, body, headers = (
                problem.status,
                {"errors": [{"message": problem.detail, "extensions": {"code": code}}]},
                problem.headers,
            )
        except Exception as error:  # noqa: BLE001 - the one place unknown errors become INTERNAL
            log.exception("public graphql failed", error)
            status, body, headers = (
                500,
                {"errors": [{"message": "internal error", "extensions": {"code": "INTERNAL"}}]},
                {},
            )
        response = Response(json.dumps(body), status=status, mimetype=media_type)
        for name, value in {**headers, **rate_headers}.items():
            response.headers[name] = value
        response.headers["Cache-Control"] = "no-store"
        log.info(
            "public graphql answered",
            status=status,
            durationMs=round((time.perf_counter() - started) * 1000, 1),
            **cost,
        )
        return response


def _media_type(request: Request) -> str:
    accept = request.headers.get("Accept", "")
    if JSON in accept and GRAPHQL_RESPONSE not in accept and "*/*" not in accept:
        return JSON
    return GRAPHQL_RESPONSE


def _handle(
    request: Request, rate_headers: dict[str, str], media_type: str, cost: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    declared = request.content_length
    if declared is not None and declared > MAX_BODY_BYTES:
        raise _too_large()
    if request.path not in PATHS:
        raise Refused.one(404, "NOT_FOUND", "GraphQL is served at / (and /api/graphql behind Hosting)")
    if request.method not in {"GET", "POST"}:
        raise Refused.one(405, "METHOD_NOT_ALLOWED", "use POST (or GET for queries)", {"Allow": "GET, POST"})
    check = keys.authenticate(request, None, rate_headers)
    team_id, key_id = check.validation.team_id, check.validation.key_id
    if team_id is None or key_id is None:
        raise errors.Internal("a valid key without a team")
    asked = _request(request)
    served = service.served(team_id)
    # Under application/json the draft answers a document's failures with 200 (the body says why).
    refused_status = 200 if media_type == JSON else None
    document = _document(asked.query, refused_status or 400)
    _validate(document, asked, served, request.method, refused_status or 422, cost)
    context = Context(team_id, key_id, frozenset(check.validation.scopes or ()))
    result = _execute(served, document, asked, context)
    cost["roundTrips"] = context.round_trips
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [_error(error) for error in result.errors]
    if result.data is None and result.errors and all(error.path is None for error in result.errors):
        # Variables that do not fit their types: a request error, nothing executed.
        raise Refused(refused_status or 400, body["errors"], {})
    body["data"] = result.data
    body["extensions"] = {
        "cost": {
            "requestedQueryCost": cost["cost"],
            "limit": cost["limit"],
            "roundTrips": context.round_trips,
        }
    }
    return 200, body


def _too_large() -> Refused:
    return Refused.one(413, "PAYLOAD_TOO_LARGE", f"the body is larger than {MAX_BODY_BYTES} bytes")


def _bad_request(message: str) -> Refused:
    return Refused.one(400, "BAD_REQUEST", message)


def _request(request: Request) -> GraphqlRequest:
    if request.method == "GET":
        raw: dict[str, Any] = {}
        for name in request.args:
            given = request.args.getlist(name)
            if len(given) > 1:
                raise _bad_request(f"{name}: given more than once")
            raw[name] = given[0]
        if "variables" in raw:
            raw["variables"] = _json(raw["variables"], "variables")
    else:
        if request.mimetype != JSON:
            raise Refused.one(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json")
        body = read_body(request, MAX_BODY_BYTES)
        if body is None:
            raise _too_large()
        raw = _json(body, "body")
        if not isinstance(raw, dict):
            raise _bad_request("the body must be a JSON object")
    query, variables, operation_name = raw.get("query"), raw.get("variables"), raw.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise _bad_request("query: the GraphQL document, as text, is required")
    if variables is not None and not isinstance(variables, dict):
        raise _bad_request("variables: must be an object")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _bad_request("operationName: must be text")
    return GraphqlRequest(query, variables or {}, operation_name)


def _json(raw: bytes | str, name: str) -> Any:
    try:
        return json_input.loads(raw)
    except json_input.UnusableJson as error:
        raise _bad_request(f"{name}: {error}") from None


def _document(query: str, status: int) -> DocumentNode:
    try:
        # Bounded before anything quadratic runs: graphql-core's OverlappingFieldsCanBeMerged compares
        # pairs of fields, and a 1 MiB document could otherwise hold a shared instance.
        return parse(query, max_tokens=MAX_TOKENS)
    except GraphQLSyntaxError as error:
        raise Refused(status, [_error(error, "GRAPHQL_PARSE_FAILED")], {}) from None


def _validate(
    document: DocumentNode,
    asked: GraphqlRequest,
    served: service.Served,
    method: str,
    status: int,
    cost: dict[str, Any],
) -> None:
    problems = validate(served.schema, document)
    if problems:
        raise Refused(status, [_error(error, "GRAPHQL_VALIDATION_FAILED") for error in problems], {})
    operation = get_operation_ast(document, asked.operation_name)
    if operation is None:
        message = "operationName: names no operation of the document (give one when it has several)"
        raise Refused(status, [{"message": message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}], {})
    if method == "GET" and operation.operation is not OperationType.QUERY:
        raise Refused.one(405, "METHOD_NOT_ALLOWED", "mutations are sent with POST", {"Allow": "POST"})
    measured = limits.Measured()
    rules = limits.rules(served.limits, asked.variables, served.page_sizes, measured)
    problems = validate(served.schema, document, rules)
    name = operation.name.value if operation.name is not None else ""
    cost.update(cost=measured.costs.get(name), limit=served.limits.cost, schemaId=served.schema_id)
    if problems:
        raise Refused(status, [_error(error, "GRAPHQL_VALIDATION_FAILED") for error in problems], {})


def _execute(
    served: service.Served, document: DocumentNode, asked: GraphqlRequest, context: Context
) -> ExecutionResult:
    async def run() -> ExecutionResult:
        result = execute(
            served.schema,
            document,
            context_value=context,
            variable_values=asked.variables,
            operation_name=asked.operation_name,
        )
        if inspect.isawaitable(result):
            return await result
        return result

    return asyncio.run(run())


def _error(error: GraphQLError, code: str = "INTERNAL") -> dict[str, Any]:
    """The error as the answer carries it: our own message and code for an application error, nothing of
    an unexpected one (logged with its stack)."""
    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(error.extensions or {})
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        if isinstance(original, errors.AppError):
            formatted["message"] = original.message
            extensions = {"code": _CODES.get(original.code, "INTERNAL")}
            if original.field is not None:
                extensions["field"] = original.field
        else:
            log.exception("a resolver failed", original)
            formatted["message"] = "internal error"
            extensions = {"code": "INTERNAL"}
    extensions.setdefault("code", code)
    formatted["extensions"] = extensions
    return formatted
