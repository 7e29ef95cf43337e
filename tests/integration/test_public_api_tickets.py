"""`/v1/tickets`, their comments, resolving, and `/v1/agents`: the function called in-process with real
Werkzeug requests against the real Firestore emulator, keys made by `api_keys_create`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from shared.crypto import sha256_hex
from shared.models.helpdesk import TicketDoc
from shared.store import helpdesk
from shared.webhooks.change_events import event_type_for
from tests.integration.test_public_api import KeyMaker, api, assert_problem, make_key, pointers

__all__ = ["make_key"]  # the fixture, imported to be used here

TICKET_FIELDS = {
    "id",
    "subject",
    "description",
    "status",
    "priority",
    "requesterId",
    "assigneeId",
    "resolvedAt",
    "createdAt",
    "updatedAt",
}
COMMENT_FIELDS = {"id", "body", "authorKeyId", "createdAt", "updatedAt"}
AGENT_FIELDS = {"id", "name", "email", "role", "createdAt", "updatedAt"}
EVERY_SCOPE = [
    "tickets:read",
    "tickets:write",
    "tickets:comment",
    "tickets:resolve",
    "agents:read",
    "agents:write",
    "contacts:write",
]


@pytest.fixture
def admin(make_key: KeyMaker) -> str:
    return make_key(EVERY_SCOPE)


def key_id_of(db: firestore.Client, key: str) -> str:
    key_id: str = db.document(f"apiKeyIndex/{sha256_hex(key)}").get().get("keyId")
    return key_id


def helpdesk_documents(db: firestore.Client, team: str = "team-a") -> dict[str, dict[str, Any]]:
    """Tickets, comments, agents, contacts and idempotency records: what a refused request leaves as is."""
    found: dict[str, dict[str, Any]] = {}
    for collection in ("tickets", "agents", "contacts"):
        for snap in db.collection(f"teams/{team}/{collection}").stream():
            found[snap.reference.path] = snap.to_dict() or {}
    for group in ("comments", "idempotencyKeys"):
        for snap in db.collection_group(group).stream():
            found[snap.reference.path] = snap.to_dict() or {}
    return found


def new_contact(key: str) -> str:
    answer = api("POST", "/v1/contacts", key=key, body={"email": "req@example.com"})
    assert answer.status == 201, answer.body
    contact_id: str = answer.body["id"]
    return contact_id


def new_agent(key: str, name: str = "Ada", role: str = "agent") -> str:
    answer = api("POST", "/v1/agents", key=key, body={"name": name, "email": "ada@example.com", "role": role})
    assert answer.status == 201, answer.body
    agent_id: str = answer.body["id"]
    return agent_id


def new_ticket(key: str, **fields: Any) -> dict[str, Any]:
    answer = api("POST", "/v1/tickets", key=key, body={"subject": "Printer on fire", **fields})
    assert answer.status == 201, answer.body
    ticket: dict[str, Any] = answer.body
    return ticket


# ------------------------------------------------------------------ tickets


def test_tickets_create_read_update_and_resolve(db: firestore.Client, team: str, admin: str) -> None:
    contact_id, agent_id = new_contact(admin), new_agent(admin)

    created = api(
        "POST",
        "/v1/tickets",
        key=admin,
        body={"subject": "Printer on fire", "priority": "urgent", "requesterId": contact_id},
    )

    assert created.status == 201, created.body
    ticket = created.body
    assert set(ticket) == TICKET_FIELDS
    assert created.headers["Location"] == f"/v1/tickets/{ticket['id']}"
    assert (ticket["status"], ticket["priority"], ticket["description"]) == ("open", "urgent", "")
    assert (ticket["requesterId"], ticket["assigneeId"], ticket["resolvedAt"]) == (contact_id, None, None)
    stored = db.document(f"teams/{team}/tickets/{ticket['id']}").get().to_dict() or {}
    # The document the webhooks write too: `requester` and `source` as they have them.
    assert (stored["source"], stored["requester"], stored["requesterId"]) == ("api", {}, contact_id)
    assert api("GET", f"/v1/tickets/{ticket['id']}", key=admin).body == ticket

    updated = api(
        "PATCH", f"/v1/tickets/{ticket['id']}", key=admin, body={"assigneeId": agent_id, "status": "pending"}
    )
    assert updated.status == 200, updated.body
    assert (updated.body["assigneeId"], updated.body["status"]) == (agent_id, "pending")
    assert updated.body["updatedAt"] > ticket["updatedAt"]
    assert updated.body["subject"] == "Printer on fire"

    cleared = api("PATCH", f"/v1/tickets/{ticket['id']}", key=admin, body={"requesterId": None})
    assert cleared.body["requesterId"] is None
    assert db.document(f"teams/{team}/tickets/{ticket['id']}").get().get("requesterId") is None
    assert api("GET", f"/v1/tickets/{ticket['id']}", key=admin).body == cleared.body


def test_resolve_sets_resolved_at_once_and_a_second_resolve_writes_nothing(
    db: firestore.Client, team: str, admin: str
) -> None:
    ticket = new_ticket(admin)
    ref = db.document(f"teams/{team}/tickets/{ticket['id']}")
    before = ref.get().to_dict()

    resolved = api("POST", f"/v1/tickets/{ticket['id']}/resolve", key=admin)

    assert resolved.status == 200, resolved.body
    assert resolved.body["status"] == "resolved"
    assert resolved.body["resolvedAt"] == resolved.body["updatedAt"]
    first = ref.get()
    # What `on_ticket_written` makes of this write.
    assert event_type_for("ticket", before, first.to_dict()) == "ticket.resolved"

    again = api("POST", f"/v1/tickets/{ticket['id']}/resolve", key=admin)
    assert again.status == 200
    assert again.body == resolved.body
    assert ref.get().update_time == first.update_time

    reopened = api("PATCH", f"/v1/tickets/{ticket['id']}", key=admin, body={"status": "open"})
    assert (reopened.body["status"], reopened.body["resolvedAt"]) == ("open", None)
    assert event_type_for("ticket", first.to_dict(), ref.get().to_dict()) == "ticket.updated"
    resolved_by_patch = api("PATCH", f"/v1/tickets/{ticket['id']}", key=admin, body={"status": "resolved"})
    assert resolved_by_patch.body["resolvedAt"] == resolved_by_patch.body["updatedAt"]
    assert new_ticket(admin, status="resolved")["resolvedAt"] is not None


def test_a_ticket_the_webhooks_made_is_served_and_updated(
    db: firestore.Client, team: str, admin: str
) -> None:
    now = datetime.now(UTC)
    made = TicketDoc(
        id="webhook_slack_Ev1",
        subject="From Slack",
        priority="whenever",  # a Zapier action may send any lowercase word
        requester={"name": "U1"},
        source="slack",
        created_at=now,
        updated_at=now,
    )
    assert helpdesk.create_ticket_once(team, made)

    read = api("GET", "/v1/tickets/webhook_slack_Ev1", key=admin)
    assert read.status == 200, read.body
    assert (read.body["priority"], read.body["requesterId"]) == ("whenever", None)

    assert api("PATCH", "/v1/tickets/webhook_slack_Ev1", key=admin, body={"priority": "low"}).status == 200
    stored = db.document(f"teams/{team}/tickets/webhook_slack_Ev1").get().to_dict() or {}
    assert (stored["priority"], stored["requester"], stored["source"]) == ("low", {"name": "U1"}, "slack")


def test_references_to_records_the_team_lacks_are_400_and_nothing_is_written(
    db: firestore.Client, team: str, make_key: KeyMaker, admin: str
) -> None:
    db.document("teams/team-b").set({"name": "Team B"})
    theirs = make_key(EVERY_SCOPE, team_id="team-b")
    their_contact, their_agent = new_contact(theirs), new_agent(theirs)
    ticket = new_ticket(admin)
    cases = [
        ("POST", "/v1/tickets", {"subject": "x", "requesterId": their_contact}, "/requesterId"),
        ("POST", "/v1/tickets", {"subject": "x", "requesterId": "nobody"}, "/requesterId"),
        ("POST", "/v1/tickets", {"subject": "x", "assigneeId": their_agent}, "/assigneeId"),
        # An agent's id is not a contact's, and the other way round.
        ("POST", "/v1/tickets", {"subject": "x", "requesterId": new_agent(admin)}, "/requesterId"),
        ("PATCH", f"/v1/tickets/{ticket['id']}", {"assigneeId": "nobody"}, "/assigneeId"),
        ("PATCH", f"/v1/tickets/{ticket['id']}", {"requesterId": their_contact}, "/requesterId"),
    ]
    before = helpdesk_documents(db)
    for number, (method, path, body, pointer) in enumerate(cases):
        answer = api(method, path, key=admin, body=body, headers={"Idempotency-Key": f"k-{number}"})
        assert_problem(answer, 400, "invalid-request")
        assert pointers(answer) == [pointer], body
    after = helpdesk_documents(db)
    # Only the refusals' idempotency records (their first answers, kept for retries) were added.
    assert {path: doc for path, doc in after.items() if "/idempotencyKeys/" not in path} == {
        path: doc for path, doc in before.items() if "/idempotencyKeys/" not in path
    }


def seed_tickets(db: firestore.Client, team: str) -> list[str]:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    ids = []
    for number in range(9):
        at = start + timedelta(minutes=number // 2)  # two tickets share each timestamp
        ticket_id = f"t{number}"
        db.document(f"teams/{team}/tickets/{ticket_id}").set(
            {
                "subject": f"Ticket {number}",
                "status": ["open", "pending", "resolved"][number % 3],
                "priority": "urgent" if number % 2 else "normal",
                "requesterId": "c1" if number < 4 else "c2",
                "assigneeId": "a1" if number % 4 == 0 else None,
                "requester": {},
                "createdAt": at,
                "updatedAt": at,
            }
        )
        ids.append(ticket_id)
    return ids


def list_all(key: str, path: str) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        joiner = "&" if "?" in path else "?"
        answer = api("GET", path + (f"{joiner}cursor={cursor}" if cursor else ""), key=key)
        assert answer.status == 200, answer.body
        assert set(answer.body) == {"items", "nextCursor"}
        seen += [item["id"] for item in answer.body["items"]]
        cursor = answer.body["nextCursor"]
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


def test_ticket_lists_page_by_updated_at_and_filter(db: firestore.Client, team: str, admin: str) -> None:
    ids = seed_tickets(db, team)

    assert list_all(admin, "/v1/tickets?limit=2") == ids
    assert list_all(admin, "/v1/tickets?limit=100") == ids
    assert list_all(admin, "/v1/tickets?status=pending&limit=1") == ["t1", "t4", "t7"]
    assert list_all(admin, "/v1/tickets?priority=urgent&limit=3") == ["t1", "t3", "t5", "t7"]
    assert list_all(admin, "/v1/tickets?assigneeId=a1") == ["t0", "t4", "t8"]
    assert list_all(admin, "/v1/tickets?requesterId=c1&priority=normal") == ["t0", "t2"]
    assert list_all(admin, "/v1/tickets?updatedSince=2027-01-01T00:03:00Z&limit=2") == ["t6", "t7", "t8"]
    assert list_all(admin, "/v1/tickets?status=resolved&requesterId=c2&assigneeId=a1") == ["t8"]
    assert list_all(admin, "/v1/tickets?status=closed") == []
    assert set(api("GET", "/v1/tickets", key=admin).body["items"][0]) == TICKET_FIELDS


def test_a_ticket_cursor_comes_back_with_its_filters(db: firestore.Client, team: str, admin: str) -> None:
    seed_tickets(db, team)
    filtered = api("GET", "/v1/tickets?limit=1&status=open", key=admin).body["nextCursor"]
    plain = api("GET", "/v1/tickets?limit=1", key=admin).body["nextCursor"]

    for query in [
        f"cursor={filtered}",
        f"cursor={filtered}&status=pending",
        f"cursor={plain}&priority=urgent",
        f"cursor={plain}&updatedSince=2027-01-01T00:00:00Z",
    ]:
        answer = api("GET", f"/v1/tickets?{query}", key=admin)
        assert_problem(answer, 400, "invalid-request")
        assert pointers(answer) == ["#/query/cursor"]
    assert api("GET", f"/v1/tickets?cursor={filtered}&status=open", key=admin).status == 200


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("limit=0", "#/query/limit"),
        ("limit=101", "#/query/limit"),
        ("cursor=not-a-cursor", "#/query/cursor"),
        ("status=done", "#/query/status"),
        ("priority=OPEN", "#/query/priority"),
        ("assigneeId=a/b", "#/query/assigneeId"),
        ("requesterId=__x__", "#/query/requesterId"),
        ("updatedSince=yesterday", "#/query/updatedSince"),
        ("teamId=team-b", "#/query/teamId"),
    ],
)
def test_bad_ticket_list_parameters_are_400_with_a_pointer(admin: str, query: str, pointer: str) -> None:
    answer = api("GET", f"/v1/tickets?{query}", key=admin)

    assert_problem(answer, 400, "invalid-request")
    assert pointer in pointers(answer)


BAD_TICKET_BODIES: list[tuple[str, str, dict[str, Any], str]] = [
    # (what, method, body, pointer)
    ("no subject", "POST", {"description": "x"}, "/subject"),
    ("empty subject", "POST", {"subject": " "}, "/subject"),
    ("long subject", "POST", {"subject": "x" * 201}, "/subject"),
    ("unknown status", "POST", {"subject": "x", "status": "done"}, "/status"),
    ("unknown priority", "POST", {"subject": "x", "priority": "meh"}, "/priority"),
    ("number priority", "POST", {"subject": "x", "priority": 1}, "/priority"),
    ("bad id", "POST", {"subject": "x", "requesterId": "a/b"}, "/requesterId"),
    ("server field", "POST", {"subject": "x", "resolvedAt": "2027-01-01T00:00:00Z"}, "/resolvedAt"),
    ("the webhooks' map", "POST", {"subject": "x", "requester": {"email": "a@b.c"}}, "/requester"),
    ("snake case", "POST", {"subject": "x", "assignee_id": "a1"}, "/assignee_id"),
    ("nothing", "PATCH", {}, ""),
    ("null subject", "PATCH", {"subject": None}, "/subject"),
    ("null status", "PATCH", {"status": None}, "/status"),
    ("status by PATCH to nonsense", "PATCH", {"status": "gone"}, "/status"),
    ("long description", "PATCH", {"description": "x" * 50_001}, "/description"),
]


@pytest.mark.parametrize(
    ("what", "method", "body", "pointer"), BAD_TICKET_BODIES, ids=[b[0] for b in BAD_TICKET_BODIES]
)
def test_bad_ticket_bodies_are_400_and_nothing_is_written(
    db: firestore.Client, admin: str, what: str, method: str, body: dict[str, Any], pointer: str
) -> None:
    ticket = new_ticket(admin)
    before = helpdesk_documents(db)
    path = "/v1/tickets" if method == "POST" else f"/v1/tickets/{ticket['id']}"

    answer = api(method, path, key=admin, body=body, headers={"Idempotency-Key": "k-1"})

    assert_problem(answer, 400, "invalid-request")
    assert pointer in pointers(answer), answer.body
    assert helpdesk_documents(db) == before


def test_a_retried_ticket_create_creates_one_ticket(db: firestore.Client, team: str, admin: str) -> None:
    body = {"subject": "Once", "priority": "high"}
    first = api("POST", "/v1/tickets", key=admin, body=body, headers={"Idempotency-Key": "t-1"})
    retry = api("POST", "/v1/tickets", key=admin, body=body, headers={"Idempotency-Key": "t-1"})
    other = api(
        "POST", "/v1/tickets", key=admin, body={"subject": "Twice"}, headers={"Idempotency-Key": "t-1"}
    )

    assert first.status == retry.status == 201
    assert retry.body == first.body
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert_problem(other, 422, "idempotency-key-reused")
    assert [snap.id for snap in db.collection(f"teams/{team}/tickets").stream()] == [first.body["id"]]


# ------------------------------------------------------------------ comments


def test_comments_are_added_by_the_key_and_listed_in_order(
    db: firestore.Client, team: str, make_key: KeyMaker
) -> None:
    commenter = make_key(["tickets:read", "tickets:comment"])
    ticket = new_ticket(make_key(["tickets:write"]))

    bodies = ["First", "Second", "Third"]
    added = [
        api("POST", f"/v1/tickets/{ticket['id']}/comments", key=commenter, body={"body": b}) for b in bodies
    ]

    for answer, body in zip(added, bodies, strict=True):
        assert answer.status == 201, answer.body
        assert set(answer.body) == COMMENT_FIELDS
        assert (answer.body["body"], answer.body["authorKeyId"]) == (body, key_id_of(db, commenter))
        assert answer.headers["Location"] == f"/v1/tickets/{ticket['id']}/comments/{answer.body['id']}"
    first_id = added[0].body["id"]
    stored = db.document(f"teams/{team}/tickets/{ticket['id']}/comments/{first_id}").get().to_dict() or {}
    assert stored["author"] == {"type": "apiKey", "id": key_id_of(db, commenter)}
    listed = api("GET", f"/v1/tickets/{ticket['id']}/comments", key=commenter)
    assert listed.body == {"items": [answer.body for answer in added], "nextCursor": None}
    assert list_all(commenter, f"/v1/tickets/{ticket['id']}/comments?limit=1") == [
        a.body["id"] for a in added
    ]
    # The ticket itself is not rewritten by a comment: `ticket.commented` is the event, not an update.
    assert api("GET", f"/v1/tickets/{ticket['id']}", key=commenter).body == ticket


def test_comments_on_missing_tickets_are_404_and_bad_comments_400(db: firestore.Client, admin: str) -> None:
    ticket = new_ticket(admin)
    before = helpdesk_documents(db)
    path = f"/v1/tickets/{ticket['id']}/comments"

    assert_problem(api("POST", "/v1/tickets/nope/comments", key=admin, body={"body": "Hi"}), 404, "not-found")
    assert_problem(api("GET", "/v1/tickets/nope/comments", key=admin), 404, "not-found")
    for body, pointer in [
        ({"body": ""}, "/body"),
        ({"body": "x" * 10_001}, "/body"),
        ({"body": 5}, "/body"),
        ({}, "/body"),
        ({"body": "Hi", "authorKeyId": "mine"}, "/authorKeyId"),
    ]:
        answer = api("POST", path, key=admin, body=body)
        assert_problem(answer, 400, "invalid-request")
        assert pointer in pointers(answer)
    assert helpdesk_documents(db) == before
    assert api("POST", path, key=admin, body={"body": "x" * 10_000}).status == 201


def test_a_retried_comment_creates_one_comment(db: firestore.Client, team: str, admin: str) -> None:
    ticket = new_ticket(admin)
    path = f"/v1/tickets/{ticket['id']}/comments"

    first = api("POST", path, key=admin, body={"body": "Once"}, headers={"Idempotency-Key": "c-1"})
    retry = api("POST", path, key=admin, body={"body": "Once"}, headers={"Idempotency-Key": "c-1"})

    assert (first.status, retry.body) == (201, first.body)
    comments = list(db.collection(f"teams/{team}/tickets/{ticket['id']}/comments").stream())
    assert [snap.id for snap in comments] == [first.body["id"]]


# ------------------------------------------------------------------ agents


def test_agents_create_read_update_and_list(db: firestore.Client, team: str, admin: str) -> None:
    created = api("POST", "/v1/agents", key=admin, body={"name": "Ada", "email": "ada@example.com"})

    assert created.status == 201, created.body
    agent = created.body
    assert set(agent) == AGENT_FIELDS
    assert agent["role"] == "agent"
    assert created.headers["Location"] == f"/v1/agents/{agent['id']}"
    assert db.document(f"teams/{team}/agents/{agent['id']}").get().get("email") == "ada@example.com"
    assert api("GET", f"/v1/agents/{agent['id']}", key=admin).body == agent

    updated = api("PATCH", f"/v1/agents/{agent['id']}", key=admin, body={"role": "lead"})
    assert (updated.status, updated.body["role"], updated.body["name"]) == (200, "lead", "Ada")
    lead_id = agent["id"]
    others = [new_agent(admin, name=f"Agent {n}", role=role) for n, role in enumerate(["admin", "agent"])]

    assert list_all(admin, "/v1/agents?limit=1") == [lead_id, *others]
    assert list_all(admin, "/v1/agents?role=admin") == [others[0]]
    assert list_all(admin, "/v1/agents?role=lead") == [lead_id]
    assert_problem(api("GET", "/v1/agents/nobody", key=admin), 404, "not-found")
    assert_problem(api("PATCH", "/v1/agents/nobody", key=admin, body={"name": "X"}), 404, "not-found")


@pytest.mark.parametrize(
    ("method", "body", "pointer"),
    [
        ("POST", {"name": "Ada"}, "/email"),
        ("POST", {"email": "ada@example.com"}, "/name"),
        ("POST", {"name": "Ada", "email": "nobody"}, "/email"),
        ("POST", {"name": "Ada", "email": "ada@example.com", "role": "boss"}, "/role"),
        ("POST", {"name": "Ada", "email": "ada@example.com", "id": "mine"}, "/id"),
        ("PATCH", {}, ""),
        ("PATCH", {"name": None}, "/name"),
        ("PATCH", {"role": "owner"}, "/role"),
    ],
)
def test_bad_agent_bodies_are_400_and_nothing_is_written(
    db: firestore.Client, admin: str, method: str, body: dict[str, Any], pointer: str
) -> None:
    agent_id = new_agent(admin)
    before = helpdesk_documents(db)
    path = "/v1/agents" if method == "POST" else f"/v1/agents/{agent_id}"

    answer = api(method, path, key=admin, body=body)

    assert_problem(answer, 400, "invalid-request")
    assert pointer in pointers(answer), answer.body
    assert helpdesk_documents(db) == before


# ------------------------------------------------------------------ scopes and isolation


def every_route(ticket_id: str, agent_id: str) -> list[tuple[str, str, Any, str]]:
    """(method, path, body, the scope it needs) for every route of this brief."""
    return [
        ("GET", "/v1/tickets", None, "tickets:read"),
        ("GET", f"/v1/tickets/{ticket_id}", None, "tickets:read"),
        ("GET", f"/v1/tickets/{ticket_id}/comments", None, "tickets:read"),
        ("POST", "/v1/tickets", {"subject": "New"}, "tickets:write"),
        ("PATCH", f"/v1/tickets/{ticket_id}", {"priority": "high"}, "tickets:write"),
        ("POST", f"/v1/tickets/{ticket_id}/comments", {"body": "Hi"}, "tickets:comment"),
        ("POST", f"/v1/tickets/{ticket_id}/resolve", None, "tickets:resolve"),
        ("GET", "/v1/agents", None, "agents:read"),
        ("GET", f"/v1/agents/{agent_id}", None, "agents:read"),
        ("POST", "/v1/agents", {"name": "Bo", "email": "bo@example.com"}, "agents:write"),
        ("PATCH", f"/v1/agents/{agent_id}", {"name": "Bob"}, "agents:write"),
    ]


@pytest.mark.parametrize("scope", [*EVERY_SCOPE[:-1], "contacts:read", "admin:full"])
def test_each_scope_opens_exactly_its_routes(make_key: KeyMaker, admin: str, scope: str) -> None:
    ticket, agent_id = new_ticket(admin), new_agent(admin)
    key = make_key([scope])

    for method, path, body, needed in every_route(ticket["id"], agent_id):
        answer = api(method, path, key=key, body=body)
        if scope in {needed, "admin:full"}:
            assert answer.status in {200, 201}, (method, path, answer.body)
        else:
            problem = assert_problem(answer, 403, "missing-scope")
            assert needed in problem["detail"], (method, path)


def test_a_key_of_one_team_never_reaches_another_teams_tickets_or_agents(
    db: firestore.Client, team: str, make_key: KeyMaker, admin: str
) -> None:
    db.document("teams/team-b").set({"name": "Team B"})
    theirs = make_key(["admin:full"], team_id="team-b")
    their_agent = new_agent(theirs)
    their_ticket = new_ticket(theirs, assigneeId=their_agent)
    assert (
        api("POST", f"/v1/tickets/{their_ticket['id']}/comments", key=theirs, body={"body": "Hi"}).status
        == 201
    )
    before = helpdesk_documents(db, "team-b")
    ours = make_key(["admin:full"])

    for method, path, body, _ in every_route(their_ticket["id"], their_agent):
        if path in {"/v1/tickets", "/v1/agents"}:
            continue  # the lists and creates are the caller's own team's: checked below
        assert_problem(api(method, path, key=ours, body=body), 404, "not-found")
    assert api("GET", "/v1/tickets", key=ours).body["items"] == []
    assert api("GET", f"/v1/tickets?assigneeId={their_agent}", key=ours).body["items"] == []
    assert api("GET", "/v1/agents", key=ours).body["items"] == []
    assert helpdesk_documents(db, "team-b") == before
    assert not db.document(f"teams/{team}/tickets/{their_ticket['id']}").get().exists
    assert api("GET", f"/v1/tickets/{their_ticket['id']}", key=theirs).body == their_ticket
    assert json.dumps(api("GET", "/v1/tickets", key=admin).body).count(their_ticket["id"]) == 0
