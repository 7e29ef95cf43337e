"""A team schema checked when saved (shared/graphql/schema.py): the SDL with line and column, and the
resolver map against the SDL, each problem naming its key."""

from __future__ import annotations

from typing import Any

import pytest

from shared import errors
from shared.graphql.schema import check

SDL = """
type Query {
  contact(id: ID!): Contact
  contacts(company: String): [Contact!]!
}
type Contact { id: ID! email: String ownerId: ID owner: Contact tickets: [Ticket!]! }
type Ticket { id: ID! subject: String }
"""
VALID = {
    "Query.contact": {"collection": "contacts", "scope": "contacts:read", "byId": "id"},
    "Query.contacts": {
        "collection": "contacts",
        "scope": "contacts:read",
        "where": [["company", "==", "$args.company"], ["email", "!=", None]],
        "orderBy": "-email",
        "limit": 100,
    },
    "Contact.owner": {"collection": "contacts", "scope": "contacts:read", "from": "ownerId"},
    "Contact.tickets": {
        "collection": "tickets",
        "scope": "tickets:read",
        "where": [["requesterId", "==", "$parent.id"]],
    },
}


def refused(type_defs: str, resolvers: dict[str, Any] | None = None) -> errors.InvalidArgument:
    with pytest.raises(errors.InvalidArgument) as caught:
        check(type_defs, resolvers)
    return caught.value


def test_a_valid_schema_and_map_are_checked_into_specs() -> None:
    spec = check(SDL, VALID)

    assert set(spec.resolvers) == {
        ("Query", "contact"),
        ("Query", "contacts"),
        ("Contact", "owner"),
        ("Contact", "tickets"),
    }
    assert spec.resolvers[("Query", "contacts")].page_size == 100
    assert spec.resolvers[("Contact", "tickets")].page_size == 20
    assert spec.schema.query_type is not None


@pytest.mark.parametrize(
    ("type_defs", "line", "column", "words"),
    [
        ("type Query {\n  a: Int", 2, 9, "Syntax Error"),
        ("type Query {\n  a: Contact\n}", 2, 6, "Unknown type 'Contact'"),
        ("type Query { a: Int }\ntype Query { b: Int }", 1, 6, "only one type named"),
        (
            "type Query { a: Int }\n\n  directive @x on FIELD\n  directive @x on FIELD",
            3,
            14,
            "directive named '@x'",
        ),
    ],
)
def test_sdl_problems_carry_line_and_column(type_defs: str, line: int, column: int, words: str) -> None:
    error = refused(type_defs)

    assert error.field == "typeDefs"
    assert (error.details["line"], error.details["column"]) == (line, column)
    assert words in error.message
    assert f"line {line}, column {column}" in error.message


def test_schemas_without_a_query_type_or_with_mutations_are_refused() -> None:
    assert "Query root type" in refused("type Contact { id: ID }").message
    assert "read-only" in refused("type Query { a: Int }\ntype Mutation { b: Int }").message
    assert "read-only" in refused("type Query { a: Int }\ntype Subscription { b: Int }").message


@pytest.mark.parametrize(
    ("key", "entry", "words"),
    [
        ("Contact", VALID["Contact.owner"], "Type.field"),
        ("Nope.owner", VALID["Contact.owner"], "no object type Nope"),
        ("Contact.nope", VALID["Contact.owner"], "no field nope"),
        ("__Type.name", VALID["Contact.owner"], "no object type"),
        ("Contact.owner", "contacts", "must be an object"),
        ("Contact.owner", {**VALID["Contact.owner"], "collection": "apiKeys"}, "collection"),
        ("Contact.owner", {**VALID["Contact.owner"], "collection": "../teams/b/contacts"}, "collection"),
        ("Contact.owner", {**VALID["Contact.owner"], "scope": "everything"}, "scope"),
        ("Contact.owner", {"collection": "contacts", "from": "ownerId"}, "scope"),
        ("Contact.owner", {**VALID["Contact.owner"], "code": "import os"}, "code"),
        ("Contact.owner", {**VALID["Contact.owner"], "from": "managerId"}, "no field managerId"),
        ("Contact.owner", {**VALID["Contact.owner"], "byId": "id"}, "one of byId and from"),
        ("Contact.owner", {"collection": "contacts", "scope": "contacts:read"}, "needs byId or from"),
        ("Contact.email", VALID["Contact.owner"], "object type"),
        ("Query.contact", {**VALID["Query.contact"], "byId": "uid"}, "no argument uid"),
        ("Query.contacts", {**VALID["Query.contacts"], "byId": "id"}, "reads one document"),
        ("Query.contacts", {**VALID["Query.contacts"], "limit": 101}, "limit"),
        ("Query.contacts", {**VALID["Query.contacts"], "where": [["a", "like", 1]]}, "where"),
        ("Query.contacts", {**VALID["Query.contacts"], "where": [["__name__", "==", 1]]}, "where"),
        ("Query.contacts", {**VALID["Query.contacts"], "where": [["a/b", "==", 1]]}, "where"),
        ("Query.contacts", {**VALID["Query.contacts"], "where": [["a", "==", "$args.nope"]]}, "$args.nope"),
        ("Query.contacts", {**VALID["Query.contacts"], "where": [["a", "==", "$parent.id"]]}, "$parent.id"),
        (
            "Contact.tickets",
            {**VALID["Contact.tickets"], "where": [["r", "==", "$parent.uid"]]},
            "$parent.uid",
        ),
        ("Contact.tickets", {**VALID["Contact.tickets"], "where": [["r", "==", "$env.HOME"]]}, "$env.HOME"),
        ("Contact.tickets", {**VALID["Contact.tickets"], "orderBy": "a b"}, "orderBy"),
    ],
)
def test_resolver_map_problems_name_the_key(key: str, entry: Any, words: str) -> None:
    error = refused(SDL, {**VALID, key: entry})

    assert error.field == f"resolvers.{key}"
    assert error.message.startswith(f"resolvers.{key}: ")
    assert words in error.message
