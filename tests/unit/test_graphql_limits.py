"""The limits of a query (shared/graphql/limits.py): cost arithmetic, depth, aliases, `first`, introspection,
each just under and just over, on the default schema and on a team schema (no server, no database)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse, validate

from shared.graphql import default
from shared.graphql.limits import Limits, Measured, measure, rules
from shared.graphql.schema import check


def cost_and_depth(
    query: str, variables: dict[str, Any] | None = None, page_sizes: Any = None
) -> tuple[int, int]:
    schema = default.schema()
    document = parse(query)
    assert validate(schema, document) == []
    operation = next(node for node in document.definitions if isinstance(node, OperationDefinitionNode))
    return measure(schema, document, operation, variables or {}, page_sizes or {})


DEFAULTS = Limits()


def refusals(query: str, limits: Limits = DEFAULTS, variables: dict[str, Any] | None = None) -> list[str]:
    schema = default.schema()
    document = parse(query)
    found = validate(schema, document, rules(limits, variables or {}, {}, Measured()))
    return [error.extensions["code"] for error in found if error.extensions]


@pytest.mark.parametrize(
    ("query", "cost", "depth"),
    [
        ('{ ticket(id: "t") { id subject } }', 1, 2),
        ('{ ticket(id: "t") { requester { email } assignee { name } } }', 3, 3),
        # A connection: 2 + first x its nodes' selection (scalars: 0), plus pageInfo (an object: 1).
        ("{ tickets(first: 50) { nodes { id } } }", 2, 3),
        ("{ tickets(first: 50) { nodes { id } pageInfo { hasNextPage } } }", 3, 3),
        ("{ tickets { nodes { requester { id } } } }", 2 + 20 * 1, 4),
        ("{ tickets(first: 50) { nodes { requester { tickets { nodes { id } } } } } }", 2 + 50 * (1 + 2), 6),
        (
            "{ tickets(first: 10) { nodes { requester { tickets(first: 5) { nodes { assignee { id } } } } } } }",
            2 + 10 * (1 + 2 + 5 * 1),
            7,
        ),
        # Mutations: 10 per root field, plus the selection.
        ('mutation { resolveTicket(id: "t") { id requester { id } } }', 10 + 1, 3),
        ('mutation { a: resolveTicket(id: "t") { id } b: resolveTicket(id: "u") { id } }', 20, 2),
        # A fragment at a mutation's root is counted, never skipped: 10, and its fields as a query's.
        (
            'mutation { ...M } fragment M on Mutation { resolveTicket(id: "t") { requester { id } } }',
            10 + 1 + 1,
            3,
        ),
        # Fragments count as if written in place; introspection costs nothing.
        (
            "query { tickets(first: 3) { nodes { ...T } } __typename } fragment T on Ticket { requester { id } }",
            2 + 3 * 1,
            4,
        ),
        ("{ __schema { types { name fields { name type { ofType { ofType { name } } } } } } }", 0, 0),
    ],
)
def test_cost_and_depth_arithmetic(query: str, cost: int, depth: int) -> None:
    assert cost_and_depth(query) == (cost, depth)


def test_first_from_a_variable_and_its_range() -> None:
    query = "query($n: Int) { tickets(first: $n) { nodes { requester { id } } } }"

    assert cost_and_depth(query, {"n": 7}) == (2 + 7, 4)
    assert cost_and_depth(query) == (2 + 20, 4)
    assert refusals(query, variables={"n": 100}) == []
    assert refusals(query, variables={"n": 101}) == ["PAGE_TOO_LARGE"]
    assert refusals("{ contacts(first: 0) { nodes { id } } }") == ["PAGE_TOO_LARGE"]


def test_cost_just_under_and_just_over_the_limit() -> None:
    # 2 + 10 x (requester 1) = 12
    query = "{ tickets(first: 10) { nodes { requester { id } } } }"

    assert refusals(query, Limits(cost=12)) == []
    assert refusals(query, Limits(cost=11)) == ["QUERY_TOO_COMPLEX"]


def test_the_refusal_names_the_limit_and_the_cost() -> None:
    schema = default.schema()
    document = parse("{ tickets(first: 10) { nodes { requester { id } } } }")

    [error] = validate(schema, document, rules(Limits(cost=11), {}, {}, Measured()))

    assert error.extensions == {"code": "QUERY_TOO_COMPLEX", "cost": 12, "limit": 11}
    assert "costs 12" in error.message
    assert "limit is 11" in error.message


def test_depth_just_under_and_just_over() -> None:
    query = '{ ticket(id: "t") { requester { tickets { nodes { id } } } } }'  # 5 deep

    assert cost_and_depth(query)[1] == 5
    assert refusals(query, Limits(depth=5)) == []
    assert refusals(query, Limits(depth=4)) == ["QUERY_TOO_DEEP"]


def test_aliases_just_under_and_just_over() -> None:
    fifteen = "{ " + " ".join(f'a{n}: ticket(id: "t") {{ id }}' for n in range(15)) + " }"
    sixteen = "{ " + " ".join(f'a{n}: ticket(id: "t") {{ id }}' for n in range(16)) + " }"

    assert refusals(fifteen) == []
    assert refusals(sixteen) == ["TOO_MANY_ALIASES"]


def test_a_fragment_spread_many_times_is_walked_once_per_spread() -> None:
    fragment = "fragment R on Ticket { requester { id } }"
    spreads = " ".join(f'a{n}: ticket(id: "t") {{ ...R }}' for n in range(10))

    assert cost_and_depth(f"{{ {spreads} }} {fragment}") == (10 * 2, 3)


def test_introspection_switch() -> None:
    assert refusals("{ __schema { queryType { name } } }") == []
    assert refusals("{ __schema { queryType { name } } }", Limits(introspection=False)) == [
        "INTROSPECTION_DISABLED"
    ]
    assert refusals('{ __type(name: "Query") { name } }', Limits(introspection=False)) == [
        "INTROSPECTION_DISABLED"
    ]
    assert refusals("{ __typename }", Limits(introspection=False)) == []


def test_a_team_list_costs_its_resolver_limit() -> None:
    spec = check(
        "type Query { contacts: [Contact] }\ntype Contact { id: ID! owner: Contact }",
        {
            "Query.contacts": {"collection": "contacts", "scope": "contacts:read", "limit": 40},
            "Contact.owner": {"collection": "contacts", "scope": "contacts:read", "from": "id"},
        },
    )
    document = parse("{ contacts { owner { id } } }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    sizes = {key: resolver.page_size for key, resolver in spec.resolvers.items()}

    assert measure(spec.schema, document, operation, {}, sizes) == (2 + 40 * 1, 3)
