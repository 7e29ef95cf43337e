"""A team's schema, checked when it is saved: the SDL (`typeDefs`) and the declarative resolver map.

The SDL is parsed and validated by graphql-core (`parse`, the SDL validation rules, then the built
schema's own checks); the first problem answers `invalid-argument` naming `typeDefs` with its line and
column. Team schemas are read-only: a `Mutation` or `Subscription` type is refused at save, so a team
schema never writes.

The resolver map is data, keyed `Type.field` (README "GraphQL API"):

    {"collection": "tickets", "scope": "tickets:read", "where": [["requesterId", "==", "$parent.id"]],
     "orderBy": "-updatedAt", "limit": 50}          a list (the field's type is a list)
    {"collection": "contacts", "scope": "contacts:read", "byId": "id"}     one document by an argument
    {"collection": "contacts", "scope": "contacts:read", "from": "requesterId"}  follow a parent field

`collection` is one of the team's four; the path is always built by us under the key's team. Every
name the map uses is checked against the SDL: the type and field of the key, `$parent.<f>` (a field of
the parent type), `$args.<n>` and `byId` (arguments of the field), `from` (a field of the parent
type). A problem answers `invalid-argument` naming `resolvers.<Type.field>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

import pydantic
from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    build_ast_schema,
    get_named_type,
    parse,
    validate_schema,
)
from graphql.validation.validate import validate_sdl
from pydantic import Field, Strict, StringConstraints

from shared import errors
from shared.models.base import InputModel
from shared.models.public_api import ScopeName

MAX_LIST_LIMIT = 100
# A list resolver without `limit`, and a connection without `first`: the page size.
DEFAULT_PAGE_SIZE = 20
MAX_CONDITIONS = 10
PARENT, ARGS = "$parent.", "$args."


class Collection(StrEnum):
    CONTACTS = "contacts"
    TICKETS = "tickets"
    AGENTS = "agents"
    REPORTS = "reports"


# A stored field: letters, digits and `_`, dotted for a nested map (never a path or `__name__`).
FieldName = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")
]
Operator = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not-in", "array-contains"]
# `field`, or `-field` for descending.
OrderBy = Annotated[
    str,
    StringConstraints(min_length=1, max_length=201, pattern=r"^-?[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$"),
]


class ResolverSpec(InputModel):
    """One entry of a team's resolver map (schema.py's docstring)."""

    collection: Annotated[Collection, Strict(False)]
    scope: ScopeName
    # A condition is a JSON array [field, operator, value] (lax: strict models take no list as a tuple).
    where: Annotated[
        list[Annotated[tuple[FieldName, Operator, Any], Strict(False)]], Field(max_length=MAX_CONDITIONS)
    ] = Field(default_factory=list)
    order_by: OrderBy | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIST_LIMIT)] | None = None
    by_id: str | None = None
    from_field: str | None = Field(default=None, alias="from")

    @property
    def page_size(self) -> int:
        return self.limit or DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class TeamSchemaSpec:
    """A checked team schema: the built graphql-core schema and the resolvers by (type, field)."""

    schema: GraphQLSchema
    resolvers: dict[tuple[str, str], ResolverSpec]


def _bad_type_defs(message: str, error: GraphQLError | None = None) -> errors.InvalidArgument:
    details: dict[str, Any] = {}
    where = ""
    if error is not None and error.locations:
        location = error.locations[0]
        details = {"line": location.line, "column": location.column}
        where = f" (line {location.line}, column {location.column})"
    return errors.InvalidArgument(f"typeDefs: {message}{where}", field="typeDefs", details=details)


def build_sdl(type_defs: str) -> GraphQLSchema:
    """The schema of `type_defs`, or invalid-argument naming `typeDefs` with the first problem's place."""
    try:
        document = parse(type_defs, no_location=False)
    except GraphQLSyntaxError as error:
        raise _bad_type_defs(error.message, error) from None
    problems = validate_sdl(document)
    if problems:
        raise _bad_type_defs(problems[0].message, problems[0])
    schema = build_ast_schema(document, assume_valid_sdl=True)
    problems = validate_schema(schema)
    if problems:
        raise _bad_type_defs(problems[0].message, problems[0])
    for root in (schema.mutation_type, schema.subscription_type):
        if root is not None:
            raise _bad_type_defs(f"team schemas are read-only: remove the {root.name} type")
    return schema


def is_list(field: GraphQLField) -> bool:
    field_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(field_type, GraphQLList)


def _check_entry(schema: GraphQLSchema, key: str, raw: Any) -> tuple[tuple[str, str], ResolverSpec]:
    where = f"resolvers.{key}"

    def bad(reason: str) -> errors.InvalidArgument:
        return errors.InvalidArgument(f"{where}: {reason}", field=where)

    type_name, dot, field_name = key.partition(".")
    if not dot or not type_name or not field_name:
        raise bad("keys are Type.field")
    parent = schema.type_map.get(type_name)
    if not isinstance(parent, GraphQLObjectType) or type_name.startswith("__"):
        raise bad(f"typeDefs has no object type {type_name}")
    field = parent.fields.get(field_name)
    if field is None:
        raise bad(f"{type_name} has no field {field_name}")
    if not isinstance(raw, dict):
        raise bad("must be an object")
    try:
        spec = ResolverSpec.model_validate(raw)
    except pydantic.ValidationError as error:
        problem = errors.from_validation_error(error)
        raise bad(problem.message) from None
    if not isinstance(get_named_type(field.type), GraphQLObjectType):
        raise bad("a resolver answers documents: the field's type must be an object type or a list of one")
    kinds = [name for name, value in (("byId", spec.by_id), ("from", spec.from_field)) if value is not None]
    if len(kinds) > 1:
        raise bad("give one of byId and from")
    listing = is_list(field)
    if kinds and (listing or spec.where or spec.order_by or spec.limit):
        raise bad(f"{kinds[0]} reads one document: no list type, where, orderBy or limit")
    if not kinds and not listing:
        raise bad("a field that is not a list needs byId or from")
    if spec.by_id is not None and spec.by_id not in field.args:
        raise bad(f"byId: {field_name} has no argument {spec.by_id}")
    if spec.from_field is not None and spec.from_field not in parent.fields:
        raise bad(f"from: {type_name} has no field {spec.from_field}")
    for position, (_, _, value) in enumerate(spec.where):
        if not isinstance(value, str) or not value.startswith("$"):
            continue
        if value.startswith(PARENT) and value[len(PARENT) :] in parent.fields:
            continue
        if value.startswith(ARGS) and value[len(ARGS) :] in field.args:
            continue
        raise bad(
            f"where[{position}]: {value} names nothing: use $parent.<a field of {type_name}> "
            f"or $args.<an argument of {field_name}>"
        )
    return (type_name, field_name), spec


def check(type_defs: str, resolvers: dict[str, Any] | None) -> TeamSchemaSpec:
    """The team schema, checked (module docstring), or invalid-argument naming what is wrong."""
    schema = build_sdl(type_defs)
    checked = dict(_check_entry(schema, key, raw) for key, raw in (resolvers or {}).items())
    return TeamSchemaSpec(schema, checked)
