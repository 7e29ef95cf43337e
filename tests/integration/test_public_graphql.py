"""The GraphQL API (`public_graphql`): the function called in-process with real Werkzeug requests against
the real Firestore emulator, and served by functions-framework where the HTTP is the point.

Keys are made by `api_keys_create` and schemas saved by `graphql_schema_set`, so authentication and
schema loading run through the real code. Round trips are read from `extensions.cost.roundTrips`; that
a refused query reads nothing is checked by counting the calls of the store's read functions (which
still read the emulator: a spy, not a mock).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from flask import Flask, request
from google.cloud import firestore

from functions import api_keys_create, graphql_schema_set, public_graphql
from shared.graphql import server
from shared.models.teams import Role
from shared.store import members, records
from shared.webhooks.change_events import event_type_for
from tests.support.callables import call
from tests.support.function_server import FunctionServer

_app = Flask("public-graphql-tests")
GRAPHQL_RESPONSE = "application/graphql-response+json"
ONE_MIB = 1024 * 1024
ALL_READS = ["contacts:read", "tickets:read", "agents:read"]


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def data(self) -> Any:
        assert self.status == 200, self.body
        return self.body["data"]

    @property
    def codes(self) -> list[str]:
        return [error["extensions"]["code"] for error in self.body.get("errors", [])]

    @property
    def round_trips(self) -> int:
        trips: int = self.body["extensions"]["cost"]["roundTrips"]
        return trips


def gql(
    query: str | None,
    key: str | None = None,
    variables: dict[str, Any] | None = None,
    *,
    method: str = "POST",
    path: str = "/",
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Answer:
    sent = dict(headers or {})
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    data = None
    if method == "GET":
        given = {"query": query, **({"variables": json.dumps(variables)} if variables else {})}
        path = f"{path}?{urlencode({k: v for k, v in given.items() if v is not None})}"
    else:
        payload = {"query": query, **({"variables": variables} if variables else {})}
        data = raw if raw is not None else json.dumps(payload).encode()
        sent["Content-Type"] = content_type
    with _app.test_request_context(path, method=method, data=data, headers=sent):
        response = public_graphql(request)
    text = response.get_data()
    return Answer(response.status_code, json.loads(text) if text else None, dict(response.headers))


KeyMaker = Callable[..., str]


@pytest.fixture
def make_key(team: str) -> KeyMaker:
    def make(scopes: list[str], team_id: str = team, **fields: Any) -> str:
        members.set_role(team_id, "admin", Role.ADMIN)
        answer = call(
            api_keys_create,
            {"teamId": team_id, "name": "graphql test", "scopes": scopes, **fields},
            uid="admin",
        )
        assert answer.status == 200, answer.body
        key: str = answer.result["key"]
        return key

    return make


@pytest.fixture
def reader(make_key: KeyMaker) -> str:
    return make_key(ALL_READS)


def set_schema(team_id: str, type_defs: str, resolvers: dict[str, Any] | None = None, **more: Any) -> str:
    members.set_role(team_id, "admin", Role.ADMIN)
    answer = call(
        graphql_schema_set,
        {"teamId": team_id, "typeDefs": type_defs, "resolvers": resolvers, **more},
        uid="admin",
    )
    assert answer.status == 200, answer.body
    schema_id: str = answer.result["id"]
    return schema_id


T0 = datetime(2027, 1, 1, tzinfo=UTC)


def seed(
    db: firestore.Client, team: str, contacts: int, tickets_each: list[int] | None = None, agent: bool = True
) -> None:
    """`contacts` contacts c000...; contact i requests tickets_each[i] tickets (t<i>-<n>); one agent."""
    batch = db.batch()
    writes = 0
    if agent:
        batch.set(
            db.document(f"teams/{team}/agents/ag1"),
            {"name": "Ada", "email": "ada@example.com", "role": "agent", "createdAt": T0, "updatedAt": T0},
        )
    for index in range(contacts):
        at = T0 + timedelta(minutes=index)
        batch.set(
            db.document(f"teams/{team}/contacts/c{index:03}"),
            {
                "email": f"c{index}@example.com",
                "company": "Acme" if index % 2 else "Initech",
                "createdAt": at,
                "updatedAt": at,
            },
        )
        count = tickets_each[index] if tickets_each is not None else 1
        for number in range(count):
            ticket_at = T0 + timedelta(minutes=index, seconds=number)
            batch.set(
                db.document(f"teams/{team}/tickets/t{index:03}-{number:02}"),
                {
                    "subject": f"Ticket {index}/{number}",
                    "description": "",
                    "status": "open" if number % 2 == 0 else "pending",
                    "priority": "normal",
                    "requesterId": f"c{index:03}",
                    "assigneeId": "ag1",
                    "source": "api",
                    "createdAt": ticket_at,
                    "updatedAt": ticket_at,
                },
            )
            writes += 1
            if writes % 400 == 0:
                batch.commit()
                batch = db.batch()
    batch.commit()


class ReadSpy:
    """Counts the calls of the store's reads the GraphQL API makes (the reads still happen)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        for name in ("query", "get_many", "get", "page_by_updated"):
            original = getattr(records, name)
            monkeypatch.setattr(records, name, self._counting(original))

    def _counting(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(*args, **kwargs)

        return counted


# ------------------------------------------------------------------ the default schema


TICKETS_WITH_RELATIONS = """
query Tickets($first: Int, $after: String) {
  tickets(first: $first, after: $after) {
    nodes { id subject status requesterId requester { id email } assignee { name } }
    pageInfo { endCursor hasNextPage }
  }
}
"""


def test_the_default_schema_answers_connections_and_relations(
    db: firestore.Client, team: str, reader: str
) -> None:
    seed(db, team, contacts=3)

    first = gql(TICKETS_WITH_RELATIONS, reader, {"first": 2})
    second = gql(
        TICKETS_WITH_RELATIONS, reader, {"first": 2, "after": first.data["tickets"]["pageInfo"]["endCursor"]}
    )

    assert first.headers["Content-Type"] == GRAPHQL_RESPONSE
    assert "errors" not in first.body
    nodes = first.data["tickets"]["nodes"]
    assert [node["id"] for node in nodes] == ["t000-00", "t001-00"]
    assert nodes[0]["status"] == "OPEN"
    assert nodes[0]["requester"] == {"id": "c000", "email": "c0@example.com"}
    assert nodes[1]["assignee"] == {"name": "Ada"}
    assert first.data["tickets"]["pageInfo"]["hasNextPage"] is True
    assert [node["id"] for node in second.data["tickets"]["nodes"]] == ["t002-00"]
    assert second.data["tickets"]["pageInfo"] == {"endCursor": None, "hasNextPage": False}
    cost = first.body["extensions"]["cost"]
    # tickets: 2 + 2 x (requester 1 + assignee 1) + pageInfo 1
    assert cost["requestedQueryCost"] == 2 + 2 * 2 + 1
    assert cost["limit"] == 1000
    # The page, then the requesters in one get_all and the assignees in another.
    assert cost["roundTrips"] == 3


def test_items_by_id_and_a_missing_one_is_null(db: firestore.Client, team: str, reader: str) -> None:
    seed(db, team, contacts=2)

    answer = gql(
        '{ contact(id: "c001") { email company } ticket(id: "t000-00") { subject } none: contact(id: "nope") { id } }',
        reader,
    )
    bad_id = gql('{ contact(id: "a/b") { id } }', reader)

    assert answer.data == {
        "contact": {"email": "c1@example.com", "company": "Acme"},
        "ticket": {"subject": "Ticket 0/0"},
        "none": None,
    }
    assert "errors" not in answer.body
    assert bad_id.data == {"contact": None}
    assert bad_id.codes == ["BAD_USER_INPUT"]
    assert bad_id.body["errors"][0]["extensions"]["field"] == "id"


def test_first_over_100_is_refused_before_anything_is_read(
    db: firestore.Client, team: str, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db, team, contacts=1)
    spy = ReadSpy(monkeypatch)

    literal = gql("{ tickets(first: 101) { nodes { id } } }", reader)
    variable = gql(TICKETS_WITH_RELATIONS, reader, {"first": 500})
    zero = gql("{ contacts(first: 0) { nodes { id } } }", reader)
    reads_of_the_refusals = spy.calls
    hundred = gql("{ tickets(first: 100) { nodes { id } } }", reader)

    for answer in (literal, variable, zero):
        assert answer.status == 422, answer.body
        assert answer.codes == ["PAGE_TOO_LARGE"]
        assert "data" not in answer.body
    assert "first must be 1 to 100" in literal.body["errors"][0]["message"]
    assert reads_of_the_refusals == 0
    assert spy.calls == 1
    assert len(hundred.data["tickets"]["nodes"]) == 1


# ------------------------------------------------------------------ scopes


def test_a_field_the_key_may_not_read_is_null_with_forbidden_and_the_rest_answers(
    db: firestore.Client, team: str, make_key: KeyMaker
) -> None:
    seed(db, team, contacts=2)
    tickets_only = make_key(["tickets:read"])
    admin = make_key(["admin:full"])

    answer = gql(
        "{ tickets(first: 2) { nodes { id requester { email } assignee { name } } } contacts { nodes { id } } }",
        tickets_only,
    )
    full = gql(
        "{ tickets(first: 1) { nodes { requester { email } assignee { name } } } contacts(first: 1) { nodes { id } } }",
        admin,
    )

    assert answer.status == 200
    assert answer.data["contacts"] is None
    assert [node["id"] for node in answer.data["tickets"]["nodes"]] == ["t000-00", "t001-00"]
    assert all(
        node["requester"] is None and node["assignee"] is None for node in answer.data["tickets"]["nodes"]
    )
    forbidden = {tuple(error["path"]): error for error in answer.body["errors"]}
    assert set(forbidden) == {
        ("tickets", "nodes", 0, "requester"),
        ("tickets", "nodes", 0, "assignee"),
        ("tickets", "nodes", 1, "requester"),
        ("tickets", "nodes", 1, "assignee"),
        ("contacts",),
    }
    assert {error["extensions"]["code"] for error in forbidden.values()} == {"FORBIDDEN"}
    assert "contacts:read" in forbidden[("contacts",)]["message"]
    assert "agents:read" in forbidden[("tickets", "nodes", 0, "assignee")]["message"]
    assert "errors" not in full.body
    assert full.data["tickets"]["nodes"][0] == {
        "requester": {"email": "c0@example.com"},
        "assignee": {"name": "Ada"},
    }


def test_mutations_need_their_rest_scopes_and_write_nothing_without_them(
    db: firestore.Client, team: str, make_key: KeyMaker
) -> None:
    seed(db, team, contacts=1)
    key = make_key(["tickets:read", "contacts:read"])
    before = {snap.id: snap.to_dict() for snap in db.collection(f"teams/{team}/tickets").stream()}

    answers = {
        "createTicket": gql('mutation { createTicket(input: {subject: "x"}) { id } }', key),
        "addComment": gql('mutation { addComment(ticketId: "t000-00", body: "hi") { id } }', key),
        "resolveTicket": gql('mutation { resolveTicket(id: "t000-00") { id } }', key),
        "createContact": gql('mutation { createContact(input: {email: "a@example.com"}) { id } }', key),
        "updateContact": gql('mutation { updateContact(id: "c000", input: {company: "X"}) { id } }', key),
    }

    expected = {
        "createTicket": "tickets:write",
        "addComment": "tickets:comment",
        "resolveTicket": "tickets:resolve",
        "createContact": "contacts:write",
        "updateContact": "contacts:write",
    }
    for name, answer in answers.items():
        assert answer.data == {name: None}
        assert answer.codes == ["FORBIDDEN"]
        assert expected[name] in answer.body["errors"][0]["message"]
    assert {snap.id: snap.to_dict() for snap in db.collection(f"teams/{team}/tickets").stream()} == before
    assert not list(db.collection(f"teams/{team}/tickets/t000-00/comments").stream())
    assert len(list(db.collection(f"teams/{team}/contacts").stream())) == 1


# ------------------------------------------------------------------ mutations


def test_mutations_write_what_rest_writes(db: firestore.Client, team: str, make_key: KeyMaker) -> None:
    seed(db, team, contacts=1)
    key = make_key(["tickets:write", "tickets:comment", "tickets:resolve", "contacts:write", "tickets:read"])
    key_id = (
        db.collection(f"teams/{team}/apiKeys")
        .order_by("createdAt", direction="DESCENDING")
        .limit(1)
        .get()[0]
        .id
    )

    created = gql(
        'mutation { createTicket(input: {subject: "Printer", priority: "high", requesterId: "c000", status: PENDING}) '
        "{ id subject status priority requesterId } }",
        key,
    ).data["createTicket"]
    ticket_ref = db.document(f"teams/{team}/tickets/{created['id']}")
    stored = ticket_ref.get().to_dict()
    comment = gql(
        'mutation($id: ID!) { addComment(ticketId: $id, body: "On it") { id body authorKeyId } }',
        key,
        {"id": created["id"]},
    ).data["addComment"]
    before_resolve = ticket_ref.get().to_dict()
    resolved = gql(
        "mutation($id: ID!) { resolveTicket(id: $id) { status resolvedAt } }", key, {"id": created["id"]}
    ).data
    contact = gql(
        'mutation { createContact(input: {email: "new@example.com", firstName: "New"}) { id email firstName } }',
        key,
    ).data
    updated = gql(
        'mutation($id: ID!) { updateContact(id: $id, input: {company: "Globex", firstName: null}) { id company firstName } }',
        key,
        {"id": contact["createContact"]["id"]},
    ).data

    assert created == {
        "id": created["id"],
        "subject": "Printer",
        "status": "PENDING",
        "priority": "high",
        "requesterId": "c000",
    }
    assert stored["source"] == "api"
    assert stored["requesterId"] == "c000"
    assert stored["status"] == "pending"
    comment_doc = (
        db.document(f"teams/{team}/tickets/{created['id']}/comments/{comment['id']}").get().to_dict()
    )
    assert comment_doc["author"] == {"type": "apiKey", "id": key_id}
    assert comment == {"id": comment["id"], "body": "On it", "authorKeyId": key_id}
    assert resolved["resolveTicket"]["status"] == "RESOLVED"
    assert resolved["resolveTicket"]["resolvedAt"]
    # The trigger's reading of the change: the same event a REST resolve records.
    assert event_type_for("ticket", before_resolve, ticket_ref.get().to_dict()) == "ticket.resolved"
    assert updated["updateContact"] == {
        "id": contact["createContact"]["id"],
        "company": "Globex",
        "firstName": None,
    }


def test_bad_mutation_input_names_the_field_and_writes_nothing(
    db: firestore.Client, team: str, make_key: KeyMaker
) -> None:
    seed(db, team, contacts=1)
    key = make_key(["tickets:write", "contacts:write", "tickets:comment", "tickets:resolve"])
    before = {snap.reference.path for snap in db.collection(f"teams/{team}/tickets").stream()}
    contacts_before = {snap.reference.path for snap in db.collection(f"teams/{team}/contacts").stream()}

    cases = {
        "input.subject": gql('mutation { createTicket(input: {subject: ""}) { id } }', key),
        "input.priority": gql(
            'mutation { createTicket(input: {subject: "x", priority: "whenever"}) { id } }', key
        ),
        "input.requesterId": gql(
            'mutation { createTicket(input: {subject: "x", requesterId: "nobody"}) { id } }', key
        ),
        "input.email": gql('mutation { createContact(input: {email: "not an email"}) { id } }', key),
        "input": gql("mutation { createContact(input: {}) { id } }", key),
        "body": gql('mutation { addComment(ticketId: "t000-00", body: "") { id } }', key),
        "ticketId": gql('mutation { addComment(ticketId: "a/b", body: "x") { id } }', key),
    }
    missing = gql('mutation { resolveTicket(id: "nope") { id } }', key)

    for field, answer in cases.items():
        assert answer.status == 200, answer.body
        assert answer.codes == ["BAD_USER_INPUT"], (field, answer.body)
        assert answer.body["errors"][0]["extensions"]["field"] == field, answer.body
        assert "Traceback" not in json.dumps(answer.body)
    assert missing.codes == ["NOT_FOUND"]
    assert {snap.reference.path for snap in db.collection(f"teams/{team}/tickets").stream()} == before
    assert {
        snap.reference.path for snap in db.collection(f"teams/{team}/contacts").stream()
    } == contacts_before
    assert not list(db.collection(f"teams/{team}/tickets/t000-00/comments").stream())


# ------------------------------------------------------------------ HTTP: status codes and media types


def test_status_codes_and_media_types(db: firestore.Client, team: str, reader: str) -> None:
    seed(db, team, contacts=1)
    query = "{ contacts { nodes { id } } }"

    ok_get = gql(query, reader, method="GET")
    hosting = gql(query, reader, path="/api/graphql")
    legacy = gql(query, reader, headers={"Accept": "application/json"})
    legacy_invalid = gql("{ nope }", reader, headers={"Accept": "application/json"})
    cases = {
        400: [
            gql(None, reader, raw=b"{not json"),
            gql(None, reader, raw=b"[1]"),
            gql(None, reader, raw=b'{"variables": {}}'),
            gql(query, reader, raw=json.dumps({"query": query, "variables": [1]}).encode()),
            gql("{ contacts { ", reader),
        ],
        404: [gql(query, reader, path="/v1/graphql")],
        405: [
            gql(query, reader, method="PUT"),
            gql('mutation { createContact(input: {email: "a@example.com"}) { id } }', reader, method="GET"),
        ],
        413: [gql(None, reader, raw=b" " * (ONE_MIB + 1))],
        415: [gql(query, reader, content_type="text/plain")],
        422: [
            gql("{ nope }", reader),
            gql("query A { contacts { nodes { id } } } query B { agents { nodes { id } } }", reader),
        ],
    }

    assert ok_get.data == hosting.data == legacy.data == {"contacts": {"nodes": [{"id": "c000"}]}}
    assert legacy.headers["Content-Type"] == "application/json"
    assert legacy_invalid.status == 200
    assert legacy_invalid.codes == ["GRAPHQL_VALIDATION_FAILED"]
    for status, answers in cases.items():
        for answer in answers:
            assert answer.status == status, (status, answer.body)
            assert answer.headers["Content-Type"] == GRAPHQL_RESPONSE
            assert answer.body["errors"]
            assert "data" not in answer.body
            assert all("message" in error and error["extensions"]["code"] for error in answer.body["errors"])
    assert cases[405][0].headers["Allow"] == "GET, POST"
    assert cases[405][1].headers["Allow"] == "POST"
    syntax = cases[400][4].body["errors"][0]
    assert syntax["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert syntax["locations"][0]["line"] == 1
    assert len(list(db.collection(f"teams/{team}/contacts").stream())) == 1


def test_a_document_over_the_token_bound_is_400_before_validation(
    db: firestore.Client, team: str, reader: str
) -> None:
    fields = "__typename " * (server.MAX_TOKENS - 2)
    # At the bound the document parses (and is then refused by validation, not by the parser).
    assert gql(f"{{ {fields}}}", reader).codes == ["GRAPHQL_VALIDATION_FAILED"]
    refused = gql(f"{{ {fields}__typename }}", reader)
    assert refused.status == 400
    assert refused.codes == ["GRAPHQL_PARSE_FAILED"]
    assert "more than 5000 tokens" in refused.body["errors"][0]["message"]


def test_requests_without_a_usable_key_are_401_and_a_spent_key_is_429(
    db: firestore.Client, make_key: KeyMaker
) -> None:
    limited = make_key(["contacts:read"], rateLimit={"requests": 1, "window": 60_000})
    query = "{ contacts { nodes { id } } }"

    refused = [
        gql(query),
        gql(query, "jk_live_" + "x" * 43),
        gql(query, headers={"Authorization": "Basic abc"}),
    ]
    first = gql(query, limited)
    second = gql(query, limited)

    for answer in refused:
        assert answer.status == 401
        assert answer.codes == ["UNAUTHENTICATED"]
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert first.status == 200
    assert first.headers["RateLimit-Policy"] == '"default";q=1;w=60'
    assert second.status == 429
    assert second.codes == ["RATE_LIMITED"]
    assert 1 <= int(second.headers["Retry-After"]) <= 63
    assert second.headers["X-RateLimit-Remaining"] == "0"


# ------------------------------------------------------------------ batching


def test_a_hundred_tickets_with_their_requesters_cost_two_round_trips(
    db: firestore.Client, team: str, reader: str
) -> None:
    seed(db, team, contacts=100)

    answer = gql("{ tickets(first: 100) { nodes { id requester { id email } } } }", reader)

    nodes = answer.data["tickets"]["nodes"]
    assert len(nodes) == 100
    assert all(node["requester"]["id"] == f"c{node['id'][1:4]}" for node in nodes)
    assert answer.round_trips == 2


def test_nested_lists_are_batched_per_30_parents_and_exact(
    db: firestore.Client, team: str, reader: str
) -> None:
    # 50 contacts with 0 to 4 tickets each; depth 3: tickets -> requester -> their tickets.
    seed(db, team, contacts=50, tickets_each=[index % 5 for index in range(50)])
    query = "{ tickets(first: 50) { nodes { id requester { id tickets(first: 3) { nodes { id } pageInfo { hasNextPage } } } } } }"

    answer = gql(query, reader)

    nodes = answer.data["tickets"]["nodes"]
    requesters = {node["requester"]["id"] for node in nodes}
    for node in nodes:
        contact = int(node["requester"]["id"][1:])
        expected = [f"t{contact:03}-{number:02}" for number in range(contact % 5)]
        assert [item["id"] for item in node["requester"]["tickets"]["nodes"]] == expected[:3]
        assert node["requester"]["tickets"]["pageInfo"]["hasNextPage"] is (len(expected) > 3)
    # The page, one get_all of the requesters, one `in` query per 30 of them, and (a batch cut at its
    # limit) a query for each requester the cut may have shortened.
    chunks = -(-len(requesters) // 30)
    assert 1 + 1 + chunks <= answer.round_trips <= 1 + 1 + chunks + len(requesters)
    assert answer.round_trips < len(nodes)


def test_a_batch_cut_at_its_limit_reads_a_shortened_parent_alone(
    db: firestore.Client, team: str, reader: str
) -> None:
    # c000 has 10 tickets, all older than c001's one: the `in` query for both, cut at 2 x (2 + 1)
    # documents, holds only c000's, so c001's list is read alone.
    seed(db, team, contacts=2, tickets_each=[10, 1])

    answer = gql("{ contacts(first: 2) { nodes { id tickets(first: 2) { nodes { id } } } } }", reader)

    lists = {
        node["id"]: [item["id"] for item in node["tickets"]["nodes"]]
        for node in answer.data["contacts"]["nodes"]
    }
    assert lists == {"c000": ["t000-00", "t000-01"], "c001": ["t001-00"]}
    assert answer.round_trips == 3


def test_contact_tickets_cursors_are_the_rest_cursors(db: firestore.Client, team: str, reader: str) -> None:
    seed(db, team, contacts=1, tickets_each=[5])

    first = gql(
        '{ contact(id: "c000") { tickets(first: 2) { nodes { id } pageInfo { endCursor hasNextPage } } } }',
        reader,
    )
    cursor = first.data["contact"]["tickets"]["pageInfo"]["endCursor"]
    second = gql(
        'query($after: String) { contact(id: "c000") { tickets(first: 2, after: $after) { nodes { id } } } }',
        reader,
        {"after": cursor},
    )
    elsewhere = gql(
        "query($after: String) { tickets(after: $after) { nodes { id } } }", reader, {"after": cursor}
    )

    assert [item["id"] for item in first.data["contact"]["tickets"]["nodes"]] == ["t000-00", "t000-01"]
    assert [item["id"] for item in second.data["contact"]["tickets"]["nodes"]] == ["t000-02", "t000-03"]
    # A cursor of one contact's list is refused by another list, as REST refuses it.
    assert elsewhere.codes == ["BAD_USER_INPUT"]
    assert elsewhere.body["errors"][0]["extensions"]["field"] == "after"


# ------------------------------------------------------------------ limits


def test_a_query_over_the_cost_limit_is_refused_naming_the_cost_before_reading(
    db: firestore.Client, team: str, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db, team, contacts=1)
    spy = ReadSpy(monkeypatch)
    # 2 + 100 x (requester 1 + (tickets 2 + 100 x 0)) = 402 under; with comments(first: 10): more.
    under = "{ tickets(first: 100) { nodes { requester { tickets(first: 100) { nodes { id } } } } } }"
    over = "{ tickets(first: 100) { nodes { requester { tickets(first: 100) { nodes { assignee { id } } } } } } }"

    refused = gql(over, reader)
    reads_of_the_refusal = spy.calls
    allowed = gql(under, reader)

    assert refused.status == 422
    assert refused.codes == ["QUERY_TOO_COMPLEX"]
    error = refused.body["errors"][0]
    # 2 + 100 x (1 + 2 + 100 x 1)
    assert error["extensions"]["cost"] == 2 + 100 * (1 + 2 + 100)
    assert error["extensions"]["limit"] == 1000
    assert "10302" in error["message"]
    assert "1000" in error["message"]
    assert reads_of_the_refusal == 0
    assert allowed.status == 200
    assert allowed.body["extensions"]["cost"]["requestedQueryCost"] == 2 + 100 * 3


def test_depth_and_aliases_just_under_and_just_over(db: firestore.Client, team: str, reader: str) -> None:
    seed(db, team, contacts=1)
    # Depth counts fields from the root: tickets nodes requester tickets nodes comments nodes id is 8.
    depth_8 = (
        "{ tickets(first: 1) { nodes { requester { tickets(first: 1) { nodes { comments(first: 1) "
        "{ nodes { id } } } } } } } }"
    )
    depth_9 = "{ tickets(first: 1) { nodes { requester { tickets(first: 1) { nodes { requester { tickets(first: 1) { pageInfo { hasNextPage } } } } } } } } }"
    aliases_15 = "{ " + " ".join(f'a{n}: contact(id: "c000") {{ id }}' for n in range(15)) + " }"
    aliases_16 = "{ " + " ".join(f'a{n}: contact(id: "c000") {{ id }}' for n in range(16)) + " }"

    assert gql(depth_8, reader).status == 200
    too_deep = gql(depth_9, reader)
    assert too_deep.status == 422
    assert too_deep.codes == ["QUERY_TOO_DEEP"]
    assert too_deep.body["errors"][0]["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 9, "limit": 8}
    assert gql(aliases_15, reader).status == 200
    too_many = gql(aliases_16, reader)
    assert too_many.status == 422
    assert too_many.codes == ["TOO_MANY_ALIASES"]


def test_introspection_on_the_default_schema_and_off_on_a_team_schema(
    db: firestore.Client, team: str, reader: str
) -> None:
    introspect = "{ __schema { queryType { name } } }"
    on_default = gql(introspect, reader)
    set_schema(team, "type Query { hello: String }", introspection=False)
    off = gql(introspect, reader)
    by_type = gql('{ __type(name: "Query") { name } }', reader)
    typename = gql("{ __typename }", reader)
    set_schema(team, "type Query { hello: String }", introspection=True)
    on_again = gql(introspect, reader)

    assert on_default.data == {"__schema": {"queryType": {"name": "Query"}}}
    assert off.status == 422
    assert off.codes == ["INTROSPECTION_DISABLED"]
    assert by_type.status == 422
    assert by_type.codes == ["INTROSPECTION_DISABLED"]
    assert typename.data == {"__typename": "Query"}
    assert on_again.data == {"__schema": {"queryType": {"name": "Query"}}}


# ------------------------------------------------------------------ team schemas


TEAM_SDL = """
type Query {
  contact(id: ID!): Contact
  contactsAt(company: String!): [Contact!]!
  tickets: [Ticket!]!
}
type Contact { id: ID! email: String company: String tickets: [Ticket!]! }
type Ticket { id: ID! subject: String requesterId: ID requester: Contact }
"""
TEAM_RESOLVERS = {
    "Query.contact": {"collection": "contacts", "scope": "contacts:read", "byId": "id"},
    "Query.contactsAt": {
        "collection": "contacts",
        "scope": "contacts:read",
        "where": [["company", "==", "$args.company"]],
        "orderBy": "-email",
        "limit": 50,
    },
    "Query.tickets": {"collection": "tickets", "scope": "tickets:read", "orderBy": "updatedAt", "limit": 100},
    "Contact.tickets": {
        "collection": "tickets",
        "scope": "tickets:read",
        "where": [["requesterId", "==", "$parent.id"]],
        "limit": 3,
    },
    "Ticket.requester": {"collection": "contacts", "scope": "contacts:read", "from": "requesterId"},
}


def test_a_team_schema_answers_through_its_declarative_resolvers(
    db: firestore.Client, team: str, make_key: KeyMaker
) -> None:
    seed(db, team, contacts=4, tickets_each=[2, 0, 5, 1])
    set_schema(team, TEAM_SDL, TEAM_RESOLVERS, depthLimit=5, complexityLimit=2000)
    key = make_key(["contacts:read", "tickets:read"])
    tickets_only = make_key(["tickets:read"])

    one = gql('{ contact(id: "c002") { email tickets { id } } missing: contact(id: "zz") { id } }', key)
    acme = gql('{ contactsAt(company: "Acme") { id company } }', key)
    batched = gql("{ tickets { id requester { id tickets { id } } } }", key)
    forbidden = gql("{ tickets { id requester { id } } }", tickets_only)
    default_gone = gql("{ contacts { nodes { id } } }", key)
    too_deep = gql(
        "{ tickets { requester { tickets { requester { tickets { requester { id } } } } } } }", key
    )

    assert one.data == {
        "contact": {
            "email": "c2@example.com",
            "tickets": [{"id": "t002-00"}, {"id": "t002-01"}, {"id": "t002-02"}],
        },
        "missing": None,
    }
    assert acme.data == {"contactsAt": [{"id": "c003", "company": "Acme"}, {"id": "c001", "company": "Acme"}]}
    tickets = batched.data["tickets"]
    assert len(tickets) == 8
    assert all(ticket["requester"]["id"] == ticket["id"][:4].replace("t", "c") for ticket in tickets)
    # The list, the requesters (one get_all), their tickets (one `in` query for the 3 contacts).
    assert batched.round_trips == 3
    assert forbidden.codes == ["FORBIDDEN"] * 8
    assert default_gone.status == 422
    assert too_deep.status == 422
    assert too_deep.body["errors"][0]["extensions"]["limit"] == 5


def test_two_teams_keys_reach_their_own_data_and_schemas_only(
    db: firestore.Client, team: str, make_key: KeyMaker
) -> None:
    db.document("teams/team-b").set({"name": "Team B"})
    seed(db, team, contacts=2)
    db.document("teams/team-b/contacts/b1").set({"email": "b1@example.com", "createdAt": T0, "updatedAt": T0})
    set_schema("team-b", TEAM_SDL, TEAM_RESOLVERS)
    key_a = make_key(ALL_READS)
    key_b = make_key(ALL_READS, team_id="team-b")

    a_default = gql('{ contacts { nodes { id } } contact(id: "b1") { id } }', key_a)
    b_team = gql('{ contact(id: "b1") { email } other: contact(id: "c000") { id } tickets { id } }', key_b)
    b_cannot_use_a_schema = gql("{ contacts { nodes { id } } }", key_b)

    assert a_default.data == {"contacts": {"nodes": [{"id": "c000"}, {"id": "c001"}]}, "contact": None}
    assert b_team.data == {"contact": {"email": "b1@example.com"}, "other": None, "tickets": []}
    assert b_cannot_use_a_schema.status == 422


# ------------------------------------------------------------------ over HTTP


@pytest.fixture
def served(project_id: str) -> Iterator[str]:
    server = FunctionServer("public_graphql")
    server.start()
    try:
        server.wait_until_ready()
        yield server.url.rstrip("/")
    finally:
        server.stop()


def test_served_over_http_by_functions_framework(
    db: firestore.Client, team: str, reader: str, served: str
) -> None:
    seed(db, team, contacts=100)
    headers = {"Authorization": f"Bearer {reader}"}

    posted = requests.post(
        served,
        json={"query": "{ tickets(first: 100) { nodes { requester { email } } } }"},
        headers=headers,
        timeout=30,
    )
    got = requests.get(
        served, params={"query": '{ contact(id: "c007") { email } }'}, headers=headers, timeout=30
    )
    mutation = requests.get(
        served,
        params={"query": 'mutation { createContact(input: {email: "a@example.com"}) { id } }'},
        headers=headers,
        timeout=30,
    )
    anonymous = requests.post(served, json={"query": "{ __typename }"}, timeout=30)

    assert posted.status_code == 200
    assert posted.headers["Content-Type"] == GRAPHQL_RESPONSE
    body = posted.json()
    assert len(body["data"]["tickets"]["nodes"]) == 100
    assert body["extensions"]["cost"]["roundTrips"] == 2
    assert got.json()["data"] == {"contact": {"email": "c7@example.com"}}
    assert mutation.status_code == 405
    assert mutation.headers["Allow"] == "POST"
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
