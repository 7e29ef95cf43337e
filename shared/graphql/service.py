"""The seed's setGraphQLSchema and getGraphQLSchema (and restoring a version), and the schema a request
is served with.

Saving checks the SDL and the resolver map (schema.py) before anything is written, then creates a new
version and makes it active in one batch (shared/store/graphql_schemas.py); the previous versions stay,
and `graphql_schema_restore` makes one of them active again. `graphql_schema_get` answers the active
version, or null when the team has none (the default schema is served then), or with `schemaId` that
version; the list of versions is not answered here: members read `graphqlSchemas` directly (rules).

A request reads the team's active version id (one `get` by id); the built schema of a version is cached
per instance by (team, version), since a version never changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from graphql import GraphQLSchema

from shared import errors
from shared.auth import Caller, require_admin, require_member
from shared.cache import TtlCache
from shared.graphql import declarative, default
from shared.graphql.limits import DEFAULT_COST, DEFAULT_DEPTH, Limits, PageSizes
from shared.graphql.schema import check
from shared.models.public_api import (
    GraphqlSchemaDoc,
    GraphqlSchemaPublic,
    GraphqlSchemaQuery,
    GraphqlSchemaRestore,
    GraphqlSchemaSet,
    NoGraphqlSchema,
)
from shared.store import graphql_schemas as store

MAX_RESOLVERS_BYTES = 200_000
# Built schemas kept per instance: a version is immutable, so an entry is never stale.
_BUILT: TtlCache[tuple[str, str], Served] = TtlCache(ttl_seconds=3600, max_entries=200)


@dataclass(frozen=True)
class Served:
    """What a request is executed with."""

    schema: GraphQLSchema
    limits: Limits
    page_sizes: PageSizes
    schema_id: str | None = None


def _to_public(doc: GraphqlSchemaDoc, active: bool) -> GraphqlSchemaPublic:
    return GraphqlSchemaPublic(
        id=doc.id,
        team_id=doc.team_id,
        type_defs=doc.type_defs,
        resolvers=None if doc.resolvers_text is None else json.loads(doc.resolvers_text),
        complexity_limit=doc.complexity_limit,
        depth_limit=doc.depth_limit,
        introspection=doc.introspection,
        active=active,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
    )


def set_schema(caller: Caller, data: GraphqlSchemaSet) -> GraphqlSchemaPublic:
    require_admin(caller, data.team_id)
    check(data.type_defs, data.resolvers)
    resolvers_text = None if data.resolvers is None else json.dumps(data.resolvers, separators=(",", ":"))
    if resolvers_text is not None and len(resolvers_text.encode()) > MAX_RESOLVERS_BYTES:
        raise errors.InvalidArgument(
            f"resolvers: larger than {MAX_RESOLVERS_BYTES} bytes of JSON", field="resolvers"
        )
    now = datetime.now(UTC)
    doc = GraphqlSchemaDoc(
        id=store.new_id(data.team_id),
        team_id=data.team_id,
        type_defs=data.type_defs,
        resolvers_text=resolvers_text,
        complexity_limit=data.complexity_limit,
        depth_limit=data.depth_limit,
        introspection=data.introspection,
        created_by=caller.uid,
        created_at=now,
        updated_at=now,
    )
    store.save(doc)
    return _to_public(doc, active=True)


def get_schema(caller: Caller, data: GraphqlSchemaQuery) -> GraphqlSchemaPublic | NoGraphqlSchema:
    require_member(caller, data.team_id)
    active_id = store.active_id(data.team_id)
    wanted = data.schema_id or active_id
    if wanted is None:
        return NoGraphqlSchema()
    doc = store.get(data.team_id, wanted)
    if doc is None:
        if data.schema_id is None:
            return NoGraphqlSchema()
        raise errors.NotFound("schemaId: no version of the team's schema with this id", field="schemaId")
    return _to_public(doc, active=doc.id == active_id)


def restore_schema(caller: Caller, data: GraphqlSchemaRestore) -> GraphqlSchemaPublic:
    require_admin(caller, data.team_id)
    doc = store.activate(data.team_id, data.schema_id)
    if doc is None:
        raise errors.NotFound("schemaId: no version of the team's schema with this id", field="schemaId")
    return _to_public(doc, active=True)


def _build(doc: GraphqlSchemaDoc) -> Served:
    spec = check(doc.type_defs, None if doc.resolvers_text is None else json.loads(doc.resolvers_text))
    declarative.attach(spec)
    limits = Limits(
        depth=doc.depth_limit or DEFAULT_DEPTH,
        cost=doc.complexity_limit or DEFAULT_COST,
        introspection=doc.introspection,
    )
    sizes = {key: resolver.page_size for key, resolver in spec.resolvers.items()}
    return Served(spec.schema, limits, sizes, doc.id)


def served(team_id: str) -> Served:
    """The team's active schema, built (cached by version), or the default schema."""
    schema_id = store.active_id(team_id)
    if schema_id is None:
        return Served(default.schema(), Limits(), {})
    hit, found = _BUILT.get((team_id, schema_id))
    if hit and found is not None:
        return found
    doc = store.get(team_id, schema_id)
    if doc is None:
        # The pointer names a version that is gone (deleted by hand): serve the default schema.
        return Served(default.schema(), Limits(), {})
    built = _build(doc)
    _BUILT.put((team_id, schema_id), built)
    return built
