"""`graphql_schema_set`, `graphql_schema_get` and `graphql_schema_restore` through the real callable handler,
against the Firestore emulator: versions, the active one, roles, and bad input that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from google.cloud import firestore

from functions import graphql_schema_get, graphql_schema_restore, graphql_schema_set
from tests.integration.conftest import all_documents
from tests.support.callables import call

SDL = "type Query { contact(id: ID!): Contact }\ntype Contact { id: ID! email: String }"
RESOLVERS = {"Query.contact": {"collection": "contacts", "scope": "contacts:read", "byId": "id"}}


def save(team: str, uid: str = "admin", **fields: Any) -> Any:
    return call(
        graphql_schema_set, {"teamId": team, "typeDefs": SDL, "resolvers": RESOLVERS, **fields}, uid=uid
    )


def test_saving_makes_a_version_active_and_restoring_an_older_one_brings_it_back(
    db: firestore.Client, team: str
) -> None:
    nothing = call(graphql_schema_get, {"teamId": team}, uid="member")
    first = save(team, complexityLimit=500, depthLimit=4, introspection=True).result
    second = save(team, typeDefs="type Query { hello: String }", resolvers=None).result

    active = call(graphql_schema_get, {"teamId": team}, uid="member").result
    older = call(graphql_schema_get, {"teamId": team, "schemaId": first["id"]}, uid="member").result
    restored = call(graphql_schema_restore, {"teamId": team, "schemaId": first["id"]}, uid="admin").result
    after_restore = call(graphql_schema_get, {"teamId": team}, uid="member").result

    assert nothing.status == 200
    assert nothing.result is None
    assert first["typeDefs"] == SDL
    assert first["resolvers"] == RESOLVERS
    assert (first["complexityLimit"], first["depthLimit"], first["introspection"]) == (500, 4, True)
    assert first["teamId"] == team
    assert active["id"] == second["id"]
    assert active["active"] is True
    assert active["resolvers"] is None
    assert older == {**first, "active": False}
    assert restored == {**first, "active": True}
    assert after_restore["id"] == first["id"]
    versions = {snap.id for snap in db.collection(f"teams/{team}/graphqlSchemas").stream()}
    assert versions == {first["id"], second["id"]}
    # The resolver map is stored as JSON text (Firestore takes no arrays of arrays).
    stored = db.document(f"teams/{team}/graphqlSchemas/{first['id']}").get().to_dict()
    assert isinstance(stored["resolversText"], str)
    assert "teamId" not in stored
    assert db.document(f"teams/{team}").get().get("activeGraphqlSchemaId") == first["id"]


def test_admins_save_and_restore_members_read_others_nothing(db: firestore.Client, team: str) -> None:
    saved = save(team).result

    member_save = save(team, uid="member")
    member_restore = call(graphql_schema_restore, {"teamId": team, "schemaId": saved["id"]}, uid="member")
    outsider_get = call(graphql_schema_get, {"teamId": team}, uid="stranger")
    signed_out = call(graphql_schema_get, {"teamId": team})

    assert member_save.error["status"] == "PERMISSION_DENIED"
    assert member_restore.error["status"] == "PERMISSION_DENIED"
    assert outsider_get.error["status"] == "PERMISSION_DENIED"
    assert signed_out.error["status"] == "UNAUTHENTICATED"
    assert len(list(db.collection(f"teams/{team}/graphqlSchemas").stream())) == 1


def test_unknown_versions_are_not_found(team: str) -> None:
    save(team)

    got = call(graphql_schema_get, {"teamId": team, "schemaId": "nope"}, uid="member")
    restored = call(graphql_schema_restore, {"teamId": team, "schemaId": "nope"}, uid="admin")

    for answer in (got, restored):
        assert answer.error["status"] == "NOT_FOUND"
        assert answer.error["details"]["field"] == "schemaId"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"typeDefs": "type Query {\n  a: Int\n"}, "typeDefs", ["Syntax Error", "line 2, column 9"]),
        ({"typeDefs": "type Query {\n  a: Nope\n}"}, "typeDefs", ["Unknown type 'Nope'", "line 2, column 6"]),
        ({"typeDefs": "type Foo { a: Int }"}, "typeDefs", ["Query root type"]),
        ({"typeDefs": "type Query { a: Int }\ntype Mutation { b: Int }"}, "typeDefs", ["read-only"]),
        ({"resolvers": {"Nope.contact": RESOLVERS["Query.contact"]}}, "resolvers.Nope.contact", ["Nope"]),
        (
            {"resolvers": {"Query.nope": RESOLVERS["Query.contact"]}},
            "resolvers.Query.nope",
            ["no field nope"],
        ),
        (
            {
                "resolvers": {
                    "Query.contact": {"collection": "secrets", "scope": "contacts:read", "byId": "id"}
                }
            },
            "resolvers.Query.contact",
            ["collection"],
        ),
        (
            {
                "resolvers": {
                    "Query.contact": {"collection": "contacts", "scope": "contacts:all", "byId": "id"}
                }
            },
            "resolvers.Query.contact",
            ["scope"],
        ),
        (
            {
                "resolvers": {
                    "Query.contact": {"collection": "contacts", "scope": "contacts:read", "byId": "key"}
                }
            },
            "resolvers.Query.contact",
            ["no argument key"],
        ),
        (
            {
                "typeDefs": SDL + "\nextend type Contact { tickets: [Ticket] }\ntype Ticket { id: ID! }",
                "resolvers": {
                    "Contact.tickets": {
                        "collection": "tickets",
                        "scope": "tickets:read",
                        "where": [["requesterId", "==", "$parent.uid"]],
                    }
                },
            },
            "resolvers.Contact.tickets",
            ["$parent.uid"],
        ),
        (
            {
                "typeDefs": "type Query { byCompany(company: String): [Contact] }\ntype Contact { id: ID! }",
                "resolvers": {
                    "Query.byCompany": {
                        "collection": "contacts",
                        "scope": "contacts:read",
                        "where": [["company", "==", "$args.name"]],
                    }
                },
            },
            "resolvers.Query.byCompany",
            ["$args.name"],
        ),
    ],
)
def test_bad_schemas_name_the_problem_and_change_nothing(
    db: firestore.Client, team: str, fields: dict[str, Any], field: str, words: list[str]
) -> None:
    kept = save(team).result
    before = all_documents(db)

    answer = save(team, **fields)

    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == field
    for word in words:
        assert word in answer.error["message"]
    assert all_documents(db) == before
    assert call(graphql_schema_get, {"teamId": team}, uid="member").result["id"] == kept["id"]


def test_a_syntax_error_carries_its_line_and_column(team: str) -> None:
    answer = save(team, typeDefs="type Query {\n  a: Int\n  b: \n}")

    assert answer.error["details"]["line"] == 4
    assert answer.error["details"]["column"] == 1
