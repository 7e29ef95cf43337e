"""A team schema's resolvers: its resolver map interpreted, never code of the team's.

Each entry of the map becomes an async resolver that reads the key's team's `collection` only (the
path is `teams/{the key's team}/<collection>`, built here), after checking the entry's scope against
the key (`FORBIDDEN` otherwise):

- `byId`: the document whose id is that argument (the request's by-id loader: one `get_all` a batch);
- `from`: the document whose id is the parent's field (the same loader);
- a list: one query with `where` (values `$parent.<f>` and `$args.<n>` substituted), `orderBy` and
  `limit`; a list whose `where` has `<field> == $parent.<f>` is batched across parents with `in`
  (loaders.py). A field without an entry reads the parent's field of the same name.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

from graphql import GraphQLObjectType

from shared.graphql.loaders import Context, Info, Record
from shared.graphql.schema import ARGS, PARENT, ResolverSpec, TeamSchemaSpec
from shared.graphql.scopes import require
from shared.models.base import is_usable_document_id
from shared.store.records import Condition


def plain(value: Any) -> Any:
    """A stored value as GraphQL can answer it: timestamps as ISO-8601 text, maps and lists walked."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {name: plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _value(given: Any, parent: Any, args: dict[str, Any]) -> Any:
    if isinstance(given, str) and given.startswith(PARENT):
        return parent.get(given[len(PARENT) :]) if isinstance(parent, dict) else None
    if isinstance(given, str) and given.startswith(ARGS):
        return args.get(given[len(ARGS) :])
    return given


def _order(spec: ResolverSpec) -> list[tuple[str, bool]]:
    if spec.order_by is None:
        return []
    return [(spec.order_by.lstrip("-"), spec.order_by.startswith("-"))]


def _batch_key(spec: ResolverSpec) -> int | None:
    """The position of the one `<field> == $parent.<f>` condition a list can be batched on."""
    positions = [
        position
        for position, (field, operator, value) in enumerate(spec.where)
        if operator == "==" and isinstance(value, str) and value.startswith(PARENT) and "." not in field
    ]
    return positions[0] if len(positions) == 1 else None


async def _one(context: Context, spec: ResolverSpec, document_id: Any) -> Record | None:
    if not isinstance(document_id, str) or not is_usable_document_id(document_id):
        return None
    found = await context.by_id(spec.collection.value).load(document_id)
    return None if found is None else plain(found)


async def _list(context: Context, spec: ResolverSpec, parent: Any, args: dict[str, Any]) -> list[Record]:
    conditions: list[Condition] = [
        (field, operator, _value(value, parent, args)) for field, operator, value in spec.where
    ]
    batch_on = _batch_key(spec)
    key = conditions[batch_on][2] if batch_on is not None else None
    if batch_on is None or not isinstance(key, Hashable) or key is None:
        rows = context.query(spec.collection.value, conditions, _order(spec), spec.page_size)
    else:
        others = conditions[:batch_on] + conditions[batch_on + 1 :]
        loader = context.by_parent(
            spec.collection.value, conditions[batch_on][0], others, _order(spec), spec.page_size
        )
        rows = await loader.load(key) or []
    return [plain(row) for row in rows]


def _resolver(spec: ResolverSpec) -> Any:
    async def resolve(parent: Any, info: Info, **args: Any) -> Any:
        context = info.context
        require(context, spec.scope.value)
        if spec.by_id is not None:
            return await _one(context, spec, args.get(spec.by_id))
        if spec.from_field is not None:
            return await _one(
                context, spec, parent.get(spec.from_field) if isinstance(parent, dict) else None
            )
        return await _list(context, spec, parent, args)

    return resolve


def attach(spec: TeamSchemaSpec) -> None:
    """Set each mapped field's resolver on the (freshly built) schema."""
    for (type_name, field_name), resolver in spec.resolvers.items():
        parent = spec.schema.type_map[type_name]
        assert isinstance(parent, GraphQLObjectType)
        parent.fields[field_name].resolve = _resolver(resolver)
