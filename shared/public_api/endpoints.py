"""Team-defined REST endpoints (the seed's createRESTEndpoint, getRESTEndpoints, deleteRESTEndpoint):
the callables' handlers and the JSON Schema of an endpoint's body.

An endpoint's id is a digest of its method and path (shared/ids.py), and it is made with `create()`:
two endpoints can never claim one (method, path) in a team, even when two admins save at once.

The body schema is JSON Schema 2020-12, checked when saved against the draft's meta-schema by
`jsonschema`'s Draft202012Validator, bounded (64 KiB of JSON, 16 levels), and self-contained: a `$ref`
must point inside the schema (`#...`), and the registry the validator uses resolves nothing else, so no
schema ever makes the server fetch a URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, get_args

import jsonschema
import referencing
import referencing.exceptions
from referencing.jsonschema import DRAFT202012

from shared import errors, json_input
from shared.auth import Caller, require_admin, require_member
from shared.ids import digest
from shared.models.base import Page
from shared.models.integrations import IntegrationType
from shared.models.public_api import (
    EndpointMethod,
    RestEndpointCreate,
    RestEndpointDeleted,
    RestEndpointDoc,
    RestEndpointListQuery,
    RestEndpointPublic,
    RestEndpointRef,
    StoredTarget,
    TargetPublic,
    TargetType,
)
from shared.pagination import decode_cursor, page_of
from shared.store import integrations as integrations_store
from shared.store import rest_endpoints as store

MAX_SCHEMA_BYTES = 64 * 1024
MAX_SCHEMA_DEPTH = 16
# Methods whose requests carry a body (and so may have a schema, and may emit an event).
BODY_METHODS = frozenset({"POST", "PUT"})
# The keywords that refer to another schema by URI.
_REFERENCES = ("$ref", "$dynamicRef")


def endpoint_id(method: str, path: str) -> str:
    return digest("restEndpoint", method, path)


# ------------------------------------------------------------------ the body's schema


def _nothing_remote(uri: str) -> referencing.Resource[Any]:
    # attrs builds the constructor, which mypy does not see.
    raise referencing.exceptions.NoSuchResource(ref=uri)  # type: ignore[call-arg]


# Resolves the schema's own `#...` references only: any other URI is an unresolvable reference.
_REGISTRY: referencing.Registry[Any] = referencing.Registry(retrieve=_nothing_remote)  # type: ignore[call-arg]


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name in _REFERENCES and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _patterns(node: Any) -> Iterator[str]:
    """The regular expressions a schema holds: `pattern` keywords (a string, where a property named
    "pattern" would map to a schema) and `patternProperties` keys (a map of schemas)."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "pattern" and isinstance(value, str):
                yield value
            elif (
                name == "patternProperties"
                and isinstance(value, dict)
                and all(isinstance(item, dict | bool) for item in value.values())
            ):
                yield from value
                for item in value.values():
                    yield from _patterns(item)
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def _bad_schema(reason: str) -> errors.InvalidArgument:
    return errors.InvalidArgument(f"schema: {reason}", field="schema")


def check_schema(schema: dict[str, Any]) -> str:
    """The schema as compact JSON text, or invalid-argument naming `schema`."""
    text = json.dumps(schema, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode()) > MAX_SCHEMA_BYTES:
        raise _bad_schema(f"larger than {MAX_SCHEMA_BYTES} bytes of JSON")
    try:
        json_input.loads(text.encode(), MAX_SCHEMA_DEPTH)
    except json_input.UnusableJson:
        raise _bad_schema(f"nests more than {MAX_SCHEMA_DEPTH} levels") from None
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        where = "/".join(str(part) for part in error.absolute_path)
        raise _bad_schema(f"not a valid JSON Schema 2020-12 at /{where}: {error.message[:200]}") from None
    if any(_patterns(schema)):
        # Python's regular expressions backtrack: a team's pattern could hold a request (and the
        # instance other teams share) for minutes on a crafted body. Refused until a linear-time engine
        # checks them.
        raise _bad_schema("pattern and patternProperties are not supported (use enum, format or length)")
    resolver = _REGISTRY.with_resource("", DRAFT202012.create_resource(schema)).resolver("")
    for reference in _references(schema):
        if not reference.startswith("#"):
            raise _bad_schema(f"{reference[:100]}: only references inside the schema (#...) are allowed")
        try:
            resolver.lookup(reference)
        except referencing.exceptions.Unresolvable:
            raise _bad_schema(f"{reference[:100]} points to nothing in the schema") from None
    return text


def body_validator(schema_text: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_text)
    return jsonschema.Draft202012Validator(
        schema, registry=_REGISTRY.with_resource("", DRAFT202012.create_resource(schema))
    )


# ------------------------------------------------------------------ the callables


def _check_target(data: RestEndpointCreate) -> StoredTarget:
    target = data.target
    if target.type is TargetType.EVENT:
        if target.event_type is None:
            raise errors.InvalidArgument(
                "target.eventType: required for an event target", field="target.eventType"
            )
        if data.method not in BODY_METHODS:
            raise errors.InvalidArgument(
                "method: an event target takes the body of a POST or a PUT", field="method"
            )
        return StoredTarget(type=target.type, event_type=target.event_type)
    if target.integration_id is None:
        raise errors.InvalidArgument(
            "target.integrationId: required for a proxy target", field="target.integrationId"
        )
    if target.path is None:
        raise errors.InvalidArgument("target.path: required for a proxy target", field="target.path")
    integration = integrations_store.get(data.team_id, target.integration_id)
    # Another team's id reads as absent here: the store is addressed by this team's path.
    if integration is None or integration.type is not IntegrationType.REST:
        raise errors.InvalidArgument(
            "target.integrationId: not a REST integration of this team", field="target.integrationId"
        )
    return StoredTarget(type=target.type, integration_id=target.integration_id, path=target.path)


def to_public(doc: RestEndpointDoc) -> RestEndpointPublic:
    return RestEndpointPublic(
        id=doc.id,
        team_id=doc.team_id,
        path=doc.path,
        method=doc.method,
        scopes=doc.scopes,
        json_schema=None if doc.schema_text is None else json.loads(doc.schema_text),
        public=doc.public,
        enabled=doc.enabled,
        target=TargetPublic.model_validate(doc.target.model_dump()),
        created_at=doc.created_at,
        updated_at=doc.updated_at,
    )


def create_endpoint(caller: Caller, data: RestEndpointCreate) -> RestEndpointPublic:
    require_admin(caller, data.team_id)
    if data.json_schema is not None and data.method not in BODY_METHODS:
        raise _bad_schema("a GET or DELETE request has no body: leave the schema out")
    schema_text = None if data.json_schema is None else check_schema(data.json_schema)
    target = _check_target(data)
    now = datetime.now(UTC)
    doc = RestEndpointDoc(
        id=endpoint_id(data.method, data.path),
        team_id=data.team_id,
        path=data.path,
        method=data.method,
        scopes=[scope.value for scope in dict.fromkeys(data.scopes)],
        schema_text=schema_text,
        public=data.public,
        target=target,
        created_by=caller.uid,
        created_at=now,
        updated_at=now,
    )
    try:
        store.create(doc)
    except errors.AlreadyExists:
        raise errors.AlreadyExists(
            f"path: the team has an endpoint for {data.method} {data.path} already", field="path"
        ) from None
    return to_public(doc)


def list_endpoints(caller: Caller, data: RestEndpointListQuery) -> Page[RestEndpointPublic]:
    require_member(caller, data.team_id)
    after = decode_cursor(data.cursor) if data.cursor else None
    docs = store.list_enabled_page(data.team_id, data.limit + 1, after)
    return page_of(docs, data.limit, to_public, lambda doc: (doc.created_at, doc.id))


def delete_endpoint(caller: Caller, data: RestEndpointRef) -> RestEndpointDeleted:
    """Idempotent: deleting again answers `existed: false`."""
    require_admin(caller, data.team_id)
    return RestEndpointDeleted(id=data.endpoint_id, existed=store.delete(data.team_id, data.endpoint_id))


def at_path(team_id: str, path: str) -> dict[str, RestEndpointDoc]:
    """The team's enabled endpoints at this path by method: one round trip (the ids are digests of
    method and path), so a method the path does not take can be told from a path nobody defined."""
    ids = [endpoint_id(method, path) for method in get_args(EndpointMethod)]
    return {found.method: found for found in store.get_many(team_id, ids) if found.enabled}
