"""The limits a query must meet before anything is read: depth, aliases, `first`, cost, introspection.

They are graphql-core validation rules, run after the specification's rules (so a fragment cycle or an
unknown field is refused by those first, and the walk here only meets valid documents). Each refusal
is a GraphQL error whose `extensions` carry a `code`, and for depth and cost the computed value and
the limit: the endpoint answers 422 and reads nothing.

The cost, after Shopify's calculated cost (docs/conventions.md, "GraphQL limits"):

- a scalar or enum field costs 0; an object field 1 plus the cost of its selection;
- a list field costs 2 + size x the cost of its selection, where size is its `first` (default 20) or,
  for a team's list resolver, its `limit`; a connection (`{nodes pageInfo}`) is a list of its `nodes`:
  2 + first x the cost of the nodes' selection, plus the rest of its selection (`pageInfo`: 1);
- a mutation's root field costs 10 plus its selection.

Depth counts fields from the root (`{a {b}}` is 2; a connection's `nodes` is a level of its own).
Introspection fields (`__schema`, `__type`, `__typename`) read no data: they cost nothing and add no
depth (their nesting is bounded by graphql-core's own MaxIntrospectionDepthRule, one of the specified
rules), and they are refused outright where the schema turns introspection off. A fragment's cost and
depth are computed once per fragment, so a document that spreads one fragment many times costs its
walk once per spread, never exponentially.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)
from graphql.language import DocumentNode
from graphql.validation import ValidationContext, ValidationRule

from shared.graphql.schema import DEFAULT_PAGE_SIZE, MAX_LIST_LIMIT, is_list

DEFAULT_DEPTH = 8
DEFAULT_COST = 1_000
MAX_ALIASES = 15
MUTATION_COST = 10
LIST_COST = 2
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})

# The size a list field without `first` reads: (parent type, field name) -> its resolver's limit.
PageSizes = Mapping[tuple[str, str], int]


@dataclass(frozen=True)
class Limits:
    depth: int = DEFAULT_DEPTH
    cost: int = DEFAULT_COST
    aliases: int = MAX_ALIASES
    introspection: bool = True


@dataclass
class Measured:
    """What the rules computed, per operation name ("" for an anonymous one)."""

    costs: dict[str, int] = field(default_factory=dict)
    depths: dict[str, int] = field(default_factory=dict)


class Refusal(Exception):
    def __init__(self, message: str, code: str, node: Any, **extensions: Any) -> None:
        super().__init__(message)
        self.error = GraphQLError(message, node, extensions={"code": code, **extensions})


ParentType = GraphQLObjectType | GraphQLInterfaceType


def _is_connection(field_def: GraphQLField) -> bool:
    named = get_named_type(field_def.type)
    return isinstance(named, GraphQLObjectType) and {"nodes", "pageInfo"} <= set(named.fields)


class _Walk:
    """Cost and depth of selection sets, with the document's fragments and the request's variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        page_sizes: PageSizes,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.page_sizes = page_sizes
        self._fragment_results: dict[str, tuple[int, int]] = {}
        self._entered: set[str] = set()

    def _first(self, node: FieldNode) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            if isinstance(value, int) and not isinstance(value, bool):
                if not 1 <= value <= MAX_LIST_LIMIT:
                    raise Refusal(
                        f"first must be 1 to {MAX_LIST_LIMIT} (it is {value})",
                        "PAGE_TOO_LARGE",
                        node,
                        limit=MAX_LIST_LIMIT,
                    )
                return value
        return None

    def _size(self, parent: ParentType, node: FieldNode, field_def: GraphQLField) -> int | None:
        """The items a list field reads, or None for a field that is not a list."""
        first = self._first(node)
        if "first" in field_def.args:
            return first if first is not None else DEFAULT_PAGE_SIZE
        if is_list(field_def):
            return self.page_sizes.get((parent.name, node.name.value), DEFAULT_PAGE_SIZE)
        return None

    def selection(self, parent: ParentType, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        """(cost, depth) of a selection set under a value of type `parent`."""
        if selection_set is None:
            return 0, 0
        cost = depth = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                item_cost, item_depth = self.field(parent, selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition is not None else parent
                item_cost, item_depth = self.selection(_parent(inner, parent), selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                item_cost, item_depth = self.fragment(selection.name.value, parent)
            else:
                continue
            cost, depth = cost + item_cost, max(depth, item_depth)
        return cost, depth

    def fragment(self, name: str, parent: ParentType) -> tuple[int, int]:
        known = self._fragment_results.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        # A cycle (refused by the specification's rules before this walk) or an unknown fragment.
        if definition is None or name in self._entered:
            return 0, 0
        self._entered.add(name)
        inner = self.schema.get_type(definition.type_condition.name.value)
        result = self.selection(_parent(inner, parent), definition.selection_set)
        self._entered.discard(name)
        self._fragment_results[name] = result
        return result

    def field(self, parent: ParentType, node: FieldNode) -> tuple[int, int]:
        if node.name.value.startswith("__"):
            return 0, 0
        field_def = parent.fields.get(node.name.value)
        if field_def is None:
            return 0, 0
        named = get_named_type(field_def.type)
        if is_leaf_type(named) or not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            self._first(node)
            return 0, 1
        size = self._size(parent, node, field_def)
        if size is None:
            cost, depth = self.selection(named, node.selection_set)
            return 1 + cost, 1 + depth
        if not _is_connection(field_def):
            cost, depth = self.selection(named, node.selection_set)
            return LIST_COST + size * cost, 1 + depth
        cost = depth = 0
        for selection in node.selection_set.selections if node.selection_set else ():
            if isinstance(selection, FieldNode) and selection.name.value == "nodes":
                item = get_named_type(named.fields["nodes"].type)
                nodes_cost, nodes_depth = self.selection(_parent(item, named), selection.selection_set)
                cost, depth = cost + size * nodes_cost, max(depth, 1 + nodes_depth)
            else:
                other_cost, other_depth = self.selection(named, SelectionSetNode(selections=(selection,)))
                cost, depth = cost + other_cost, max(depth, other_depth)
        return LIST_COST + cost, 1 + depth


def _parent(found: Any, fallback: ParentType) -> ParentType:
    return found if isinstance(found, GraphQLObjectType | GraphQLInterfaceType) else fallback


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    page_sizes: PageSizes,
) -> tuple[int, int]:
    """(cost, depth) of one operation of a valid document; Refusal for a `first` out of range."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    walk = _Walk(schema, fragments, variables, page_sizes)
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0, 0
    if operation.operation is not OperationType.MUTATION:
        return walk.selection(root, operation.selection_set)
    # A mutation's root field costs 10 (whatever it answers), plus the selection under its answer.
    cost = depth = 0
    for selection in operation.selection_set.selections:
        field_def = root.fields.get(selection.name.value) if isinstance(selection, FieldNode) else None
        answer = get_named_type(field_def.type) if field_def is not None else None
        if not isinstance(selection, FieldNode):
            # A fragment at the root: its fields are walked as a query's (never less than they cost).
            item_cost, item_depth = walk.selection(root, SelectionSetNode(selections=(selection,)))
            item_depth -= 1
        elif isinstance(answer, GraphQLObjectType | GraphQLInterfaceType):
            item_cost, item_depth = walk.selection(answer, selection.selection_set)
        else:
            item_cost, item_depth = 0, 0
        cost, depth = cost + MUTATION_COST + item_cost, max(depth, 1 + item_depth)
    return cost, depth


def rules(
    limits: Limits, variables: Mapping[str, Any], page_sizes: PageSizes, measured: Measured
) -> list[type[ValidationRule]]:
    """The validation rules of these limits for one request (they need its variables)."""

    class LimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.aliases = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.aliases += 1
                if self.aliases == limits.aliases + 1:
                    self.report_error(
                        GraphQLError(
                            f"aliases: at most {limits.aliases} in a document",
                            node,
                            extensions={"code": "TOO_MANY_ALIASES", "limit": limits.aliases},
                        )
                    )
            if not limits.introspection and node.name.value in INTROSPECTION_FIELDS:
                self.report_error(
                    GraphQLError(
                        "introspection is turned off for this schema",
                        node,
                        extensions={"code": "INTROSPECTION_DISABLED"},
                    )
                )

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            name = node.name.value if node.name is not None else ""
            try:
                cost, depth = measure(self.context.schema, self.context.document, node, variables, page_sizes)
            except Refusal as refusal:
                self.report_error(refusal.error)
                return
            measured.costs[name], measured.depths[name] = cost, depth
            if depth > limits.depth:
                self.report_error(
                    GraphQLError(
                        f"depth limit: the query is {depth} deep, the limit is {limits.depth}",
                        node,
                        extensions={"code": "QUERY_TOO_DEEP", "depth": depth, "limit": limits.depth},
                    )
                )
            if cost > limits.cost:
                self.report_error(
                    GraphQLError(
                        f"complexity limit: the query costs {cost}, the limit is {limits.cost}",
                        node,
                        extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "limit": limits.cost},
                    )
                )

    return [LimitsRule]
