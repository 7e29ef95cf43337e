"""`GET /v1/openapi.json`: the API's OpenAPI 3.1 document, built from the route table and its models.

Nothing here describes an operation by hand: each route of `routes.py` gives its path, method, scope,
query, body and answer, and pydantic gives every schema (`models_json_schema`, validation mode for what
a caller sends, serialization mode for what we answer), so the document cannot drift from what the
server validates. The errors are the problem details of problems.py, whose model is below. Built once
per process (the table is fixed at import); served without a key, since it holds nothing of a team.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from shared.models.api_keys import ApiKeyScope
from shared.models.base import DocumentId
from shared.public_api.problems import PROBLEM_JSON
from shared.public_api.router import Route
from shared.public_api.routes import router

PATH = "/v1/openapi.json"
OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
SECURITY_SCHEME = "apiKey"
SCHEMAS = "#/components/schemas/"
JSON = "application/json"

# A model and its mode -> the `$ref` of its schema in the components (as models_json_schema answers).
_Refs = Mapping[tuple[Any, JsonSchemaMode], dict[str, Any]]

_PATH_PARAMETER = re.compile(r"^\{(?P<name>[^{}]+)\}$")

# The problems an operation may answer, by what the operation takes: every operation needs a key and
# a scope and is rate-limited, reads path and query input (400) and may name a missing record (404);
# one with a body may be too large or not JSON; any write may meet a conflicting write (409); a POST
# with a body takes `Idempotency-Key` (409 while the first is running, 422 reused with another body).
_EVERY_OPERATION = (400, 401, 403, 404, 413, 429, 503)
_WITH_BODY = (415,)
_WRITES = (409,)
_IDEMPOTENT_POST = (409, 422)
_PROBLEM_DESCRIPTIONS = {
    400: "Bad input: `errors` names each field (`/field` in the body, `#/query/name`, `#/path/name`).",
    401: "No valid API key (missing, unknown, disabled or expired).",
    403: "The key lacks the operation's scope (`admin:full` grants all).",
    404: "No such record in the key's team.",
    405: "The path does not take this method (`Allow` lists those it takes).",
    409: "A conflicting write, or a request with this `Idempotency-Key` still running.",
    413: "The body is over 1 MiB.",
    415: "The body is not `application/json`.",
    422: "This `Idempotency-Key` was used with another body.",
    429: "The key's rate limit is reached: retry after `Retry-After` seconds.",
    503: "The database is unavailable for now: retry later.",
}


class FieldProblemDetails(BaseModel):
    """One bad field of a request: where it is and what is wrong with it."""

    model_config = ConfigDict(extra="forbid")

    pointer: str
    detail: str


class ProblemDetails(BaseModel):
    """An error answer, RFC 9457 problem details (`application/problem+json`), as problems.py writes it."""

    model_config = ConfigDict(extra="forbid")

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldProblemDetails] = Field(default_factory=list, exclude_if=lambda found: not found)


class _AnswerSchemas(GenerateJsonSchema):
    """Every field of an answer is required: answers dump every field (nulls included), except a field
    left out when empty (`exclude_if`)."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization":
            return field.get("serialization_exclude_if") is None
        return super().field_is_required(field, total)


def document_text() -> str:
    """The document as served: the JSON text, built on first use and kept."""
    return _text()


@functools.cache
def _text() -> str:
    return json.dumps(document(), separators=(",", ":"))


@functools.cache
def _document() -> dict[str, Any]:
    return build(router().routes)


def document() -> dict[str, Any]:
    """The document for the route table (a copy: callers may not change the cached one)."""
    copied: dict[str, Any] = json.loads(json.dumps(_document()))
    return copied


def build(routes: tuple[Route, ...]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `routes`."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ProblemDetails, "serialization")]
    for route in routes:
        wanted += [(model, "validation") for model in (route.query, route.body) if model is not None]
        if route.response is not None:
            wanted.append((route.response, "serialization"))
    refs, definitions = models_json_schema(
        list(dict.fromkeys(wanted)), ref_template=SCHEMAS + "{model}", schema_generator=_AnswerSchemas
    )
    schemas: dict[str, Any] = definitions.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {PATH: {"get": _self_operation()}}
    operation_ids: set[str] = set()
    for route in routes:
        operation = _operation(route, refs, schemas, operation_ids)
        paths.setdefault(route.pattern, {})[route.method.lower()] = operation
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Integrations public API",
            "version": API_VERSION,
            "description": (
                "The team's helpdesk data for API-key holders. Send the key as `Authorization: Bearer "
                "jk_live_...`; each operation needs the scope in its `security` requirement and "
                "`x-required-scope` (`admin:full` grants every scope). A path that does not take a "
                "method answers 405 with `Allow`. Errors are RFC 9457 problem details."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "API key jk_live_...",
                    "description": "API key jk_live_... (api_keys_create); its scopes guard the operations.",
                }
            },
            "headers": _rate_limit_headers(),
            "responses": {
                str(status): _problem_response(status, description)
                for status, description in _PROBLEM_DESCRIPTIONS.items()
            },
        },
    }


def _operation(
    route: Route,
    refs: _Refs,
    schemas: dict[str, Any],
    operation_ids: set[str],
) -> dict[str, Any]:
    scope = route.scope.value
    operation: dict[str, Any] = {
        "operationId": _operation_id(route, operation_ids),
        "tags": [route.segments[1] if len(route.segments) > 1 else route.segments[0]],
        "summary": f"{route.method} {route.pattern}",
        "description": f"Needs the scope `{scope}` (or `{ApiKeyScope.ADMIN_FULL.value}`).",
        "security": [{SECURITY_SCHEME: [scope]}],
        "x-required-scope": scope,
        "parameters": _path_parameters(route) + _query_parameters(route, refs, schemas),
        "responses": _responses(route, refs),
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": refs[(route.body, "validation")]}},
        }
        if route.method == "POST":
            operation["parameters"].append(_idempotency_key())
    return operation


def _operation_id(route: Route, taken: set[str]) -> str:
    """The handler's name (`list_contacts`): unique, else made so from the method and path."""
    name = getattr(route.handler, "__name__", "")
    if not name or name == "<lambda>" or name in taken:
        name = route.method.lower() + "_" + "_".join(re.sub(r"\W", "", part) for part in route.segments)
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _path_parameters(route: Route) -> list[dict[str, Any]]:
    """Every `{name}` segment, a document id (server.py checks each as `DocumentId`)."""
    found = []
    for segment in route.segments:
        matched = _PATH_PARAMETER.match(segment)
        if matched is not None:
            found.append(
                {"name": matched["name"], "in": "path", "required": True, "schema": _document_id_schema()}
            )
    return found


@functools.cache
def _document_id_schema() -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(DocumentId).json_schema()
    return schema


def _query_parameters(route: Route, refs: _Refs, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field of the query model, under its wire name (the alias)."""
    if route.query is None:
        return []
    model_schema = _resolve(refs[(route.query, "validation")], schemas)
    required = set(model_schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": _not_null(field_schema),
            **({"description": field_schema["description"]} if "description" in field_schema else {}),
        }
        for name, field_schema in model_schema.get("properties", {}).items()
    ]


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(SCHEMAS):
        resolved: dict[str, Any] = schemas[ref.removeprefix(SCHEMAS)]
        return resolved
    return schema


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string: `Optional[X]` is X there (null cannot be sent)."""
    kept = {key: value for key, value in schema.items() if key not in {"title", "description"}}
    if kept.get("default", ...) is None:
        del kept["default"]
    options = kept.get("anyOf")
    if isinstance(options, list):
        others = [option for option in options if option != {"type": "null"}]
        del kept["anyOf"]
        if len(others) == 1:
            kept.update(others[0])
        else:
            kept["anyOf"] = others
    return kept


def _responses(route: Route, refs: _Refs) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Success.", "headers": _rate_limit_header_refs()}
    if route.media_type is not None:
        success["content"] = {route.media_type: {"schema": {"type": "string"}}}
    elif route.response is not None:
        success["content"] = {JSON: {"schema": refs[(route.response, "serialization")]}}
    elif route.status != 204:
        success["content"] = {JSON: {"schema": {}}}
    if route.status == 201:
        success["headers"]["Location"] = {
            "description": "The path of the created record.",
            "schema": {"type": "string"},
        }
    statuses = list(_EVERY_OPERATION)
    if route.body is not None:
        statuses += _WITH_BODY
    if route.method != "GET":
        statuses += _WRITES
    if route.method == "POST" and route.body is not None:
        statuses += _IDEMPOTENT_POST
    responses = {str(route.status): success}
    for status in sorted(set(statuses)):
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    return responses


def _problem_response(status: int, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": SCHEMAS + ProblemDetails.__name__}}},
    }
    if status not in {401}:
        response["headers"] = _rate_limit_header_refs()
    if status == 429:
        response["headers"]["Retry-After"] = {
            "description": "Seconds until the key may call again.",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    if status == 405:
        response["headers"] = {
            **response["headers"],
            "Allow": {
                "description": "The methods the path takes.",
                "required": True,
                "schema": {"type": "string"},
            },
        }
    return response


_RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": 'The key\'s quota: `"default";q=<requests>;w=<window seconds>`.',
    "RateLimit": 'What is left: `"default";r=<remaining>;t=<seconds until more>`.',
    "X-RateLimit-Limit": "Requests per window.",
    "X-RateLimit-Remaining": "Requests left in the window.",
    "X-RateLimit-Reset": "When the window frees requests, epoch seconds.",
}


def _rate_limit_headers() -> dict[str, Any]:
    """Sent on every answer to a usable key that has a rate limit (none for a key without one)."""
    return {
        name: {"description": description, "required": False, "schema": {"type": "string"}}
        for name, description in _RATE_LIMIT_HEADERS.items()
    }


def _rate_limit_header_refs() -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in _RATE_LIMIT_HEADERS}


def _idempotency_key() -> dict[str, Any]:
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Retry safely: a retry within 24 h gets the first answer and does nothing twice.",
        "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
    }


def _self_operation() -> dict[str, Any]:
    return {
        "operationId": "openapi_document",
        "tags": ["meta"],
        "summary": f"GET {PATH}",
        "description": "This document. Needs no key.",
        "security": [],
        "responses": {
            "200": {
                "description": "The OpenAPI 3.1 document.",
                "content": {JSON: {"schema": {"type": "object"}}},
            }
        },
    }
