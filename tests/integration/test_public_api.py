"""The public REST API (`public_api`), its foundation and contacts: the function called in-process with
real Werkzeug requests against the real Firestore emulator, and once served by functions-framework.

Keys are made by `api_keys_create`, so authentication runs through the real validator (its cache,
usage and rate limiter).
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from flask import Flask, request
from google.cloud import firestore

from functions import api_keys_create, api_keys_update, public_api
from shared.crypto import sha256_hex
from shared.models.teams import Role
from shared.public_api.idempotency import Scope
from shared.store import idempotency as idempotency_store
from shared.store import members
from tests.support.callables import call
from tests.support.function_server import FunctionServer

_app = Flask("public-api-tests")
ONE_MIB = 1024 * 1024
PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}
CONTACT_FIELDS = {"id", "email", "firstName", "lastName", "phone", "company", "createdAt", "updatedAt"}


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


def api(
    method: str,
    path: str,
    key: str | None = None,
    body: Any = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Answer:
    sent = dict(headers or {})
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    if data is not None:
        sent["Content-Type"] = content_type
    with _app.test_request_context(path, method=method, data=data, headers=sent):
        response = public_api(request)
    text = response.get_data()
    return Answer(response.status_code, json.loads(text) if text else None, dict(response.headers))


def assert_problem(answer: Answer, status: int, code: str) -> dict[str, Any]:
    assert answer.status == status, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = answer.body
    assert set(problem) >= PROBLEM_FIELDS
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["type"] == f"https://docs.integrations.dev/problems/{code}"
    assert "Traceback" not in json.dumps(problem)
    return problem


def pointers(answer: Answer) -> list[str]:
    return [item["pointer"] for item in answer.body.get("errors", [])]


KeyMaker = Callable[..., str]


@pytest.fixture
def make_key(team: str) -> KeyMaker:
    def make(scopes: list[str], team_id: str = team, **fields: Any) -> str:
        members.set_role(team_id, "admin", Role.ADMIN)
        answer = call(
            api_keys_create, {"teamId": team_id, "name": "api test", "scopes": scopes, **fields}, uid="admin"
        )
        assert answer.status == 200, answer.body
        key: str = answer.result["key"]
        return key

    return make


@pytest.fixture
def writer(make_key: KeyMaker) -> str:
    return make_key(["contacts:read", "contacts:write"])


def written(db: firestore.Client, team: str = "team-a") -> dict[str, dict[str, Any]]:
    """Contacts and idempotency records: what a refused request must leave as it was."""
    found = {
        snap.reference.path: snap.to_dict() or {} for snap in db.collection(f"teams/{team}/contacts").stream()
    }
    for snap in db.collection_group("idempotencyKeys").stream():
        found[snap.reference.path] = snap.to_dict() or {}
    return found


# ------------------------------------------------------------------ authentication and scopes


def test_requests_without_a_usable_key_are_401(
    db: firestore.Client, team: str, make_key: KeyMaker, writer: str
) -> None:
    disabled = make_key(["contacts:read"])
    key_id = db.document(f"apiKeyIndex/{sha256_hex(disabled)}").get().get("keyId")
    assert (
        call(api_keys_update, {"teamId": team, "keyId": key_id, "enabled": False}, uid="admin").status == 200
    )
    expired = make_key(["contacts:read"])
    db.document(f"apiKeyIndex/{sha256_hex(expired)}").update(
        {"expiresAt": datetime.now(UTC) - timedelta(seconds=1)}
    )
    before = written(db)

    cases = {
        "no header": api("GET", "/v1/contacts"),
        "basic scheme": api("GET", "/v1/contacts", headers={"Authorization": "Basic abc"}),
        "unknown key": api("GET", "/v1/contacts", key="jk_live_" + "x" * 43),
        "not a key": api("GET", "/v1/contacts", key="sk_live_123"),
        "overlong": api("GET", "/v1/contacts", key="jk_live_" + "x" * 400),
        "disabled": api("GET", "/v1/contacts", key=disabled),
        "expired": api("GET", "/v1/contacts", key=expired),
        "write without key": api("POST", "/v1/contacts", body={"email": "a@example.com"}),
    }

    for what, answer in cases.items():
        problem = assert_problem(answer, 401, "unauthenticated")
        assert answer.headers["WWW-Authenticate"].startswith("Bearer"), what
        assert "RateLimit" not in answer.headers, what
        assert writer not in json.dumps(problem)
    assert "disabled" in cases["disabled"].body["detail"]
    assert "expired" in cases["expired"].body["detail"]
    assert written(db) == before


def test_a_missing_scope_is_403_naming_it_and_admin_full_grants_all(
    db: firestore.Client, make_key: KeyMaker
) -> None:
    reader = make_key(["contacts:read"])
    tickets = make_key(["tickets:read"])
    admin = make_key(["admin:full"])
    before = written(db)

    refused = api("POST", "/v1/contacts", key=reader, body={"email": "a@example.com"})
    problem = assert_problem(refused, 403, "missing-scope")
    assert "contacts:write" in problem["detail"]
    assert (
        "contacts:read"
        in assert_problem(api("GET", "/v1/contacts", key=tickets), 403, "missing-scope")["detail"]
    )
    assert (
        "contacts:write"
        in assert_problem(api("DELETE", "/v1/contacts/x1", key=reader), 403, "missing-scope")["detail"]
    )
    assert written(db) == before

    created = api("POST", "/v1/contacts", key=admin, body={"email": "a@example.com"})
    assert created.status == 201, created.body
    assert api("GET", f"/v1/contacts/{created.body['id']}", key=admin).status == 200
    assert api("GET", f"/v1/contacts/{created.body['id']}", key=reader).status == 200


# ------------------------------------------------------------------ rate limits


def test_rate_limited_key_gets_headers_then_429_with_retry_after(make_key: KeyMaker) -> None:
    key = make_key(["contacts:read"], rateLimit={"requests": 2, "window": 60_000})

    first = api("GET", "/v1/contacts", key=key)
    second = api("GET", "/v1/contacts", key=key)
    third = api("GET", "/v1/contacts", key=key)
    forbidden = api("POST", "/v1/contacts", key=key, body={"email": "a@example.com"})

    assert (first.status, second.status) == (200, 200)
    # The limiter's reset may lie one sub-window (window / 20) past the window (rate_limiter.py).
    for answer, remaining in ((first, 1), (second, 0), (third, 0), (forbidden, 0)):
        assert answer.headers["RateLimit-Policy"] == '"default";q=2;w=60'
        assert answer.headers["RateLimit"].startswith(f'"default";r={remaining};t=')
        assert 0 <= int(answer.headers["RateLimit"].rsplit("t=", 1)[1]) <= 63
        assert answer.headers["X-RateLimit-Limit"] == "2"
        assert answer.headers["X-RateLimit-Remaining"] == str(remaining)
        reset = int(answer.headers["X-RateLimit-Reset"])
        assert datetime.now(UTC).timestamp() - 1 <= reset <= datetime.now(UTC).timestamp() + 64
    assert_problem(third, 429, "rate-limited")
    assert 1 <= int(third.headers["Retry-After"]) <= 63
    # The refused POST is refused for its rate first (the validator's order: rate limit, then scope).
    assert_problem(forbidden, 429, "rate-limited")


def test_a_key_without_a_rate_limit_sends_no_rate_limit_headers(writer: str) -> None:
    answer = api("GET", "/v1/contacts", key=writer)

    assert answer.status == 200
    assert not {name for name in answer.headers if "ratelimit" in name.lower()}


def test_a_403_carries_the_rate_limit_headers(make_key: KeyMaker) -> None:
    key = make_key(["tickets:read"], rateLimit={"requests": 5, "window": 10_000})

    answer = api("GET", "/v1/contacts", key=key)

    assert_problem(answer, 403, "missing-scope")
    assert answer.headers["RateLimit-Policy"] == '"default";q=5;w=10'
    assert answer.headers["RateLimit"].startswith('"default";r=4;t=')


# ------------------------------------------------------------------ contacts


def test_contacts_create_read_update_delete(db: firestore.Client, team: str, writer: str) -> None:
    created = api(
        "POST",
        "/v1/contacts",
        key=writer,
        body={"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "company": "AE"},
    )
    assert created.status == 201, created.body
    contact = created.body
    assert set(contact) == CONTACT_FIELDS
    assert created.headers["Location"] == f"/v1/contacts/{contact['id']}"
    assert contact["phone"] is None
    stored = db.document(f"teams/{team}/contacts/{contact['id']}").get().to_dict()
    assert stored is not None
    assert stored["email"] == "ada@example.com"
    assert stored["firstName"] == "Ada"

    read = api("GET", f"/v1/contacts/{contact['id']}", key=writer)
    assert read.status == 200
    assert read.body == contact

    patched = api(
        "PATCH", f"/v1/contacts/{contact['id']}", key=writer, body={"phone": "+44 1", "company": None}
    )
    assert patched.status == 200, patched.body
    assert patched.body["phone"] == "+44 1"
    assert patched.body["company"] is None
    assert patched.body["firstName"] == "Ada"
    assert patched.body["updatedAt"] > contact["updatedAt"]
    assert api("GET", f"/v1/contacts/{contact['id']}", key=writer).body == patched.body

    deleted = api("DELETE", f"/v1/contacts/{contact['id']}", key=writer)
    assert deleted.status == 204
    assert deleted.body is None
    assert not db.document(f"teams/{team}/contacts/{contact['id']}").get().exists
    assert_problem(api("GET", f"/v1/contacts/{contact['id']}", key=writer), 404, "not-found")
    assert_problem(
        api("PATCH", f"/v1/contacts/{contact['id']}", key=writer, body={"phone": "1"}), 404, "not-found"
    )
    assert_problem(api("DELETE", f"/v1/contacts/{contact['id']}", key=writer), 404, "not-found")
    assert not db.document(f"teams/{team}/contacts/{contact['id']}").get().exists


def test_the_sync_engines_bookkeeping_is_never_answered(db: firestore.Client, team: str, writer: str) -> None:
    now = datetime.now(UTC)
    db.document(f"teams/{team}/contacts/synced").set(
        {
            "email": "bob@example.com",
            "sync": {"cfg1": {"remoteId": "501", "base": {"email": "bob@example.com"}}},
            "external": {"hubspot": "501"},
            "createdAt": now,
            "updatedAt": now,
        }
    )

    read = api("GET", "/v1/contacts/synced", key=writer)
    listed = api("GET", "/v1/contacts", key=writer)
    patched = api("PATCH", "/v1/contacts/synced", key=writer, body={"firstName": "Bob"})

    assert set(read.body) == CONTACT_FIELDS
    assert [set(item) for item in listed.body["items"]] == [CONTACT_FIELDS]
    assert set(patched.body) == CONTACT_FIELDS
    stored = db.document(f"teams/{team}/contacts/synced").get().to_dict() or {}
    assert stored["sync"] == {"cfg1": {"remoteId": "501", "base": {"email": "bob@example.com"}}}
    assert stored["firstName"] == "Bob"


def seed_contacts(db: firestore.Client, team: str, count: int) -> list[str]:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    ids = []
    for number in range(count):
        contact_id = f"c{number:02d}"
        at = start + timedelta(minutes=number // 2)  # two contacts share each timestamp
        db.document(f"teams/{team}/contacts/{contact_id}").set(
            {
                "email": "shared@example.com" if number % 3 == 0 else f"p{number}@example.com",
                "firstName": f"P{number}",
                "createdAt": at,
                "updatedAt": at,
            }
        )
        ids.append(contact_id)
    return ids


def list_all(key: str, query: str) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        path = f"/v1/contacts?{query}" + (f"&cursor={cursor}" if cursor else "")
        answer = api("GET", path, key=key)
        assert answer.status == 200, answer.body
        assert set(answer.body) == {"items", "nextCursor"}
        seen += [item["id"] for item in answer.body["items"]]
        cursor = answer.body["nextCursor"]
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


def test_lists_page_by_updated_at_and_filter(db: firestore.Client, team: str, writer: str) -> None:
    ids = seed_contacts(db, team, 9)

    assert list_all(writer, "limit=2") == ids
    assert list_all(writer, "limit=100") == ids
    default = api("GET", "/v1/contacts", key=writer)
    assert [item["id"] for item in default.body["items"]] == ids
    assert default.body["nextCursor"] is None
    assert list_all(writer, "limit=1&email=shared@example.com") == ["c00", "c03", "c06"]
    assert list_all(writer, "limit=2&updatedSince=2027-01-01T00:03:00Z") == ["c06", "c07", "c08"]
    assert list_all(writer, "email=shared@example.com&updatedSince=2027-01-01T00:01:00%2B00:00") == [
        "c03",
        "c06",
    ]
    assert list_all(writer, "email=nobody@example.com") == []


def test_a_cursor_comes_back_with_the_filters_it_was_given_for(
    db: firestore.Client, team: str, writer: str
) -> None:
    seed_contacts(db, team, 9)
    filtered = api("GET", "/v1/contacts?limit=1&email=shared@example.com", key=writer).body["nextCursor"]
    plain = api("GET", "/v1/contacts?limit=1", key=writer).body["nextCursor"]

    for query in [
        f"cursor={filtered}",
        f"cursor={filtered}&email=p1@example.com",
        f"cursor={plain}&email=shared@example.com",
    ]:
        answer = api("GET", f"/v1/contacts?{query}", key=writer)
        assert_problem(answer, 400, "invalid-request")
        assert pointers(answer) == ["#/query/cursor"]
    assert (
        api("GET", f"/v1/contacts?cursor={filtered}&email=shared@example.com&limit=5", key=writer).status
        == 200
    )


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("limit=0", "#/query/limit"),
        ("limit=101", "#/query/limit"),
        ("limit=ten", "#/query/limit"),
        ("cursor=not-a-cursor", "#/query/cursor"),
        ("updatedSince=yesterday", "#/query/updatedSince"),
        ("updatedSince=1700000000", "#/query/updatedSince"),
        ("email=x", "#/query/email"),
        ("colour=red", "#/query/colour"),
        ("limit=1&limit=2", "#/query/limit"),
    ],
)
def test_bad_list_parameters_are_400_with_a_pointer(writer: str, query: str, pointer: str) -> None:
    answer = api("GET", f"/v1/contacts?{query}", key=writer)

    assert_problem(answer, 400, "invalid-request")
    assert pointer in pointers(answer)


# ------------------------------------------------------------------ isolation between teams


def test_a_key_of_one_team_never_reaches_another_teams_contacts(
    db: firestore.Client, team: str, make_key: KeyMaker, writer: str
) -> None:
    db.document("teams/team-b").set({"name": "Team B"})
    theirs = make_key(["admin:full"], team_id="team-b")
    created = api("POST", "/v1/contacts", key=theirs, body={"email": "secret@b.example.com"})
    assert created.status == 201
    contact_id = created.body["id"]
    before = written(db, "team-b")

    assert_problem(api("GET", f"/v1/contacts/{contact_id}", key=writer), 404, "not-found")
    assert_problem(
        api("PATCH", f"/v1/contacts/{contact_id}", key=writer, body={"email": "x@a.com"}), 404, "not-found"
    )
    assert_problem(api("DELETE", f"/v1/contacts/{contact_id}", key=writer), 404, "not-found")
    assert api("GET", "/v1/contacts", key=writer).body["items"] == []
    assert api("GET", "/v1/contacts?email=secret@b.example.com", key=writer).body["items"] == []
    # The query names no team: a teamId parameter is an unknown one, not a way in.
    assert_problem(api("GET", "/v1/contacts?teamId=team-b", key=writer), 400, "invalid-request")
    assert written(db, "team-b") == before
    assert not db.document(f"teams/{team}/contacts/{contact_id}").get().exists
    assert api("GET", f"/v1/contacts/{contact_id}", key=theirs).status == 200


# ------------------------------------------------------------------ bad input


DEEP = b'{"email": ' + b"[" * 40 + b"]" * 40 + b"}"
BAD_BODIES: list[tuple[str, bytes, str, int, str | None]] = [
    # (what, body, content type, status, pointer)
    ("not JSON", b'{"email": ', "application/json", 400, ""),
    ("NaN", b'{"phone": NaN}', "application/json", 400, ""),
    ("too deep", DEEP, "application/json", 400, ""),
    ("an array", b'[{"email": "a@example.com"}]', "application/json", 400, ""),
    ("empty", b"", "application/json", 400, ""),
    ("no field", b"{}", "application/json", 400, ""),
    ("wrong type", b'{"email": 5}', "application/json", 400, "/email"),
    ("not an email", b'{"email": "nobody"}', "application/json", 400, "/email"),
    ("boolean name", b'{"firstName": true}', "application/json", 400, "/firstName"),
    ("unknown field", b'{"email": "a@example.com", "sync": {}}', "application/json", 400, "/sync"),
    ("snake case", b'{"first_name": "Ada"}', "application/json", 400, "/first_name"),
    ("server fields", b'{"email": "a@example.com", "id": "mine"}', "application/json", 400, "/id"),
    ("too long", json.dumps({"company": "x" * 201}).encode(), "application/json", 400, "/company"),
    ("a form", b"email=a@example.com", "application/x-www-form-urlencoded", 415, None),
    ("over 1 MiB", json.dumps({"company": "x" * ONE_MIB}).encode(), "application/json", 413, None),
]


@pytest.mark.parametrize(
    ("what", "body", "content_type", "status", "pointer"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_bad_bodies_are_refused_and_nothing_is_written(
    db: firestore.Client,
    team: str,
    writer: str,
    method: str,
    what: str,
    body: bytes,
    content_type: str,
    status: int,
    pointer: str | None,
) -> None:
    db.document(f"teams/{team}/contacts/existing").set(
        {"email": "e@example.com", "updatedAt": datetime.now(UTC)}
    )
    before = written(db)
    path = "/v1/contacts" if method == "POST" else "/v1/contacts/existing"

    answer = api(
        method, path, key=writer, raw=body, content_type=content_type, headers={"Idempotency-Key": "k-1"}
    )

    problem = assert_problem(answer, status, problem_code(status))
    if pointer is not None:
        assert pointer in pointers(answer), problem
    assert written(db) == before


def test_a_create_of_nothing_but_nulls_is_400_while_an_update_may_clear(
    db: firestore.Client, team: str, writer: str
) -> None:
    db.document(f"teams/{team}/contacts/existing").set(
        {"email": "e@example.com", "phone": "1", "updatedAt": datetime.now(UTC)}
    )
    before = written(db)
    nulls = {"email": None, "phone": None}

    refused = api("POST", "/v1/contacts", key=writer, body=nulls)
    assert_problem(refused, 400, "invalid-request")
    assert pointers(refused) == [""]
    assert written(db) == before

    cleared = api("PATCH", "/v1/contacts/existing", key=writer, body=nulls)
    assert cleared.status == 200
    assert (cleared.body["email"], cleared.body["phone"]) == (None, None)


def problem_code(status: int) -> str:
    return {400: "invalid-request", 413: "payload-too-large", 415: "unsupported-media-type"}[status]


def test_a_body_over_1_mib_without_a_declared_length_is_413(db: firestore.Client, writer: str) -> None:
    """A chunked body declares no length: the limit is enforced while reading."""
    before = written(db)
    body = json.dumps({"company": "x" * ONE_MIB}).encode()
    with _app.test_request_context(
        "/v1/contacts",
        method="POST",
        input_stream=io.BytesIO(body),
        headers={
            "Authorization": f"Bearer {writer}",
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    ):
        assert request.content_length is None
        response = public_api(request)

    assert response.status_code == 413
    assert written(db) == before


def test_unknown_routes_404_and_wrong_methods_405_with_allow(db: firestore.Client, writer: str) -> None:
    before = written(db)

    for path in ["/v1/unknown", "/v1", "/", "/v2/contacts", "/v1/contacts/a/b", "/api/v2/contacts"]:
        assert_problem(api("GET", path, key=writer), 404, "not-found")
    wrong = api("PUT", "/v1/contacts/abc", key=writer, body={"email": "a@example.com"})
    assert_problem(wrong, 405, "method-not-allowed")
    assert wrong.headers["Allow"] == "DELETE, GET, PATCH"
    collection = api("DELETE", "/v1/contacts", key=writer)
    assert_problem(collection, 405, "method-not-allowed")
    assert collection.headers["Allow"] == "GET, POST"
    bad_id = api("GET", "/v1/contacts/__reserved__", key=writer)
    assert_problem(bad_id, 400, "invalid-request")
    assert pointers(bad_id) == ["#/path/id"]
    assert_problem(api("GET", "/v1/contacts/a.b", key=writer), 400, "invalid-request")
    assert written(db) == before


def test_the_hosting_rewrite_path_is_served_too(writer: str) -> None:
    created = api("POST", "/api/v1/contacts", key=writer, body={"email": "h@example.com"})

    assert created.status == 201
    assert api("GET", f"/api/v1/contacts/{created.body['id']}", key=writer).body == created.body


# ------------------------------------------------------------------ Idempotency-Key


def contacts_in(db: firestore.Client, team: str = "team-a") -> list[dict[str, Any]]:
    return [snap.to_dict() or {} for snap in db.collection(f"teams/{team}/contacts").stream()]


def records_in(db: firestore.Client) -> list[dict[str, Any]]:
    return [snap.to_dict() or {} for snap in db.collection_group("idempotencyKeys").stream()]


def test_a_retried_post_answers_the_first_answer_and_creates_once(db: firestore.Client, writer: str) -> None:
    body = {"email": "once@example.com", "firstName": "Once"}

    first = api("POST", "/v1/contacts", key=writer, body=body, headers={"Idempotency-Key": "order-1"})
    # The same body, spelled differently (key order, spacing): the same request.
    again = api(
        "POST",
        "/v1/contacts",
        key=writer,
        raw=b'{ "firstName": "Once",  "email": "once@example.com" }',
        headers={"Idempotency-Key": "order-1"},
    )
    quoted = api("POST", "/v1/contacts", key=writer, body=body, headers={"Idempotency-Key": '"order-1"'})

    assert first.status == 201
    assert (again.status, again.body) == (201, first.body)
    assert (quoted.status, quoted.body) == (201, first.body)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert "Idempotent-Replayed" not in first.headers
    assert len(contacts_in(db)) == 1
    records = records_in(db)
    assert len(records) == 1
    assert records[0]["state"] == "completed"
    assert records[0]["expireAt"] - records[0]["createdAt"] == timedelta(hours=24)

    other = api(
        "POST",
        "/v1/contacts",
        key=writer,
        body={"email": "twice@example.com"},
        headers={"Idempotency-Key": "order-1"},
    )
    assert_problem(other, 422, "idempotency-key-reused")
    fresh = api("POST", "/v1/contacts", key=writer, body=body, headers={"Idempotency-Key": "order-2"})
    assert fresh.status == 201
    assert fresh.body["id"] != first.body["id"]
    without = api("POST", "/v1/contacts", key=writer, body=body)
    assert without.status == 201
    assert len(contacts_in(db)) == 3


def test_idempotency_keys_are_scoped_by_api_key(
    db: firestore.Client, make_key: KeyMaker, writer: str
) -> None:
    other_key = make_key(["contacts:write"])
    body = {"email": "scoped@example.com"}

    mine = api("POST", "/v1/contacts", key=writer, body=body, headers={"Idempotency-Key": "same"})
    theirs = api("POST", "/v1/contacts", key=other_key, body=body, headers={"Idempotency-Key": "same"})

    assert (mine.status, theirs.status) == (201, 201)
    assert mine.body["id"] != theirs.body["id"]
    assert len(contacts_in(db)) == 2


@pytest.mark.parametrize("header", ["", " ", "x" * 256, "caf\u00e9"])
def test_a_malformed_idempotency_key_is_400(db: firestore.Client, writer: str, header: str) -> None:
    answer = api(
        "POST",
        "/v1/contacts",
        key=writer,
        body={"email": "a@example.com"},
        headers={"Idempotency-Key": header},
    )

    assert_problem(answer, 400, "invalid-request")
    assert pointers(answer) == ["#/headers/Idempotency-Key"]
    assert written(db) == {}


def test_concurrent_retries_create_exactly_one_contact(db: firestore.Client, writer: str) -> None:
    body = {"email": "race@example.com"}
    answers: list[Answer] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def post() -> None:
        start.wait()
        answer = api("POST", "/v1/contacts", key=writer, body=body, headers={"Idempotency-Key": "race"})
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == 8
    created = [answer for answer in answers if answer.status == 201]
    assert created
    assert all(answer.status in {201, 409} for answer in answers), [a.status for a in answers]
    assert len({answer.body["id"] for answer in created}) == 1
    for answer in answers:
        if answer.status == 409:
            assert_problem(answer, 409, "idempotency-key-in-flight")
    assert len(contacts_in(db)) == 1


def claim_left_by_a_crash(
    db: firestore.Client, key: str, idempotency_key: str, body: dict[str, Any], claimed_ago: timedelta
) -> tuple[str, str]:
    """An in-progress record as a request that died after its claim leaves it; answers (path, resourceId)."""
    from shared.public_api.idempotency import fingerprint

    index = db.document(f"apiKeyIndex/{sha256_hex(key)}").get().to_dict() or {}
    scope = Scope(index["teamId"], index["keyId"], "POST", "/v1/contacts", {})
    path = (
        f"teams/{index['teamId']}/apiKeys/{index['keyId']}/idempotencyKeys/{scope.record_id(idempotency_key)}"
    )
    now = datetime.now(UTC)
    db.document(path).set(
        {
            "state": "in_progress",
            "fingerprint": fingerprint(body),
            "method": "POST",
            "route": "/v1/contacts",
            "resourceId": "crashed1",
            "claimedAt": now - claimed_ago,
            "attempt": 1,
            "status": None,
            "body": None,
            "createdAt": now - claimed_ago,
            "expireAt": now - claimed_ago + timedelta(hours=24),
        }
    )
    return path, "crashed1"


def test_a_retry_while_the_first_is_in_flight_is_409(db: firestore.Client, writer: str) -> None:
    body = {"email": "slow@example.com"}
    path, _ = claim_left_by_a_crash(db, writer, "slow", body, timedelta(seconds=5))

    answer = api("POST", "/v1/contacts", key=writer, body=body, headers={"Idempotency-Key": "slow"})

    assert_problem(answer, 409, "idempotency-key-in-flight")
    assert answer.headers["Retry-After"] == "1"
    assert contacts_in(db) == []
    assert (db.document(path).get().to_dict() or {})["state"] == "in_progress"


def test_a_claim_older_than_the_lease_is_retaken_and_creates_nothing_twice(
    db: firestore.Client, team: str, writer: str
) -> None:
    body = {"email": "crash@example.com"}
    path, resource_id = claim_left_by_a_crash(db, writer, "crash", body, timedelta(minutes=5))
    # The crashed request had created its contact before dying.
    db.document(f"teams/{team}/contacts/{resource_id}").set(
        {"email": "crash@example.com", "createdAt": datetime.now(UTC), "updatedAt": datetime.now(UTC)}
    )

    answer = api("POST", "/v1/contacts", key=writer, body=body, headers={"Idempotency-Key": "crash"})
    replay = api("POST", "/v1/contacts", key=writer, body=body, headers={"Idempotency-Key": "crash"})

    assert answer.status == 201, answer.body
    assert answer.body["id"] == resource_id
    assert (replay.status, replay.body) == (201, answer.body)
    assert len(contacts_in(db)) == 1
    record = db.document(path).get().to_dict() or {}
    assert (record["state"], record["attempt"]) == ("completed", 2)


def test_of_two_retakers_of_one_stale_claim_exactly_one_wins(
    db: firestore.Client, team: str, writer: str
) -> None:
    path, _ = claim_left_by_a_crash(db, writer, "stale", {"email": "s@example.com"}, timedelta(minutes=5))
    key_id = path.split("/")[3]
    record_id = path.rsplit("/", 1)[1]
    found = idempotency_store.read(team, key_id, record_id)
    assert found is not None
    record, version = found
    retaken = record.model_copy(update={"claimed_at": datetime.now(UTC), "attempt": 2})

    assert idempotency_store.retake(team, key_id, retaken, version) is True
    assert idempotency_store.retake(team, key_id, retaken, version) is False
    assert (db.document(path).get().to_dict() or {})["attempt"] == 2


def test_an_expired_record_is_a_fresh_start(db: firestore.Client, writer: str) -> None:
    body = {"email": "old@example.com"}
    path, resource_id = claim_left_by_a_crash(db, writer, "old", body, timedelta(hours=25))
    db.document(path).update({"state": "completed", "status": 201, "body": '{"id": "stale"}'})

    answer = api("POST", "/v1/contacts", key=writer, body=body, headers={"Idempotency-Key": "old"})

    assert answer.status == 201
    assert answer.body["id"] not in {"stale", resource_id}
    assert len(contacts_in(db)) == 1


# ------------------------------------------------------------------ served over HTTP


@pytest.fixture
def served(project_id: str) -> Iterator[str]:
    server = FunctionServer("public_api")
    server.start()
    try:
        server.wait_until_ready()
        yield server.url.rstrip("/")
    finally:
        server.stop()


def test_served_by_functions_framework_under_v1_and_api_v1(served: str, writer: str) -> None:
    auth = {"Authorization": f"Bearer {writer}"}

    created = requests.post(
        f"{served}/v1/contacts", json={"email": "http@example.com"}, headers=auth, timeout=30
    )
    read = requests.get(f"{served}/api/v1/contacts/{created.json()['id']}", headers=auth, timeout=30)
    anonymous = requests.get(f"{served}/v1/contacts", timeout=30)

    assert created.status_code == 201, created.text
    assert read.status_code == 200
    assert read.json() == created.json()
    assert anonymous.status_code == 401
    assert anonymous.headers["Content-Type"] == "application/problem+json"
