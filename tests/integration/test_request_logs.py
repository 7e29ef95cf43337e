"""The audit log API: `request_logs_create` records a request made elsewhere; `request_logs_list` reads an
integration's records, newest first, by page, success and time. Against the real Firestore emulator."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from functions import integrations_create, request_logs_create, request_logs_list
from tests.integration.conftest import all_documents
from tests.support.callables import Answer, call

ZAPIER_HOOK = "https://hooks.zapier.com/hooks/catch/1/2/"
# A fixed past moment, so records written directly have timestamps chosen by the test.
BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def integration_id(team: str) -> str:
    answer = call(
        integrations_create,
        {"teamId": team, "type": "zapier", "name": "Zap", "config": {"hookUrl": ZAPIER_HOOK}},
        uid="admin",
    )
    assert answer.status == 200, answer.body
    created_id: str = answer.result["id"]
    return created_id


def log_request(team: str, integration_id: str, uid: str = "admin", **changes: Any) -> Answer:
    data: dict[str, Any] = {
        "teamId": team,
        "integrationId": integration_id,
        "method": "GET",
        "endpoint": "https://api.example.com/v1/items",
        "statusCode": 200,
        "duration": 42.0,
        "success": True,
    }
    data.update(changes)
    return call(request_logs_create, data, uid=uid)


def seed_record(
    db: firestore.Client,
    team: str,
    integration_id: str,
    timestamp: datetime,
    success: bool = True,
    record_id: str | None = None,
) -> str:
    """A record as the product writes it (RequestLogDoc without teamId), with a chosen timestamp."""
    collection = db.collection(f"teams/{team}/integrationLogs")
    ref = collection.document(record_id) if record_id else collection.document()
    ref.set(
        {
            "integrationId": integration_id,
            "method": "POST",
            "endpoint": "https://api.example.com/v1/items",
            "statusCode": 200 if success else 500,
            "duration": 10.0,
            "success": success,
            "error": None if success else "HTTP 500",
            "userId": "admin",
            "timestamp": timestamp,
            "expireAt": timestamp + timedelta(days=30),
        }
    )
    record_id_written: str = ref.id
    return record_id_written


def seed_many(db: firestore.Client, team: str, integration_id: str, count: int) -> list[str]:
    """`count` records one second apart, the newest first in the answer; their ids, newest first."""
    collection = db.collection(f"teams/{team}/integrationLogs")
    ids: list[tuple[datetime, str]] = []
    batch = db.batch()
    for number in range(count):
        ref = collection.document()
        timestamp = BASE + timedelta(seconds=number)
        batch.set(
            ref,
            {
                "integrationId": integration_id,
                "method": "GET",
                "endpoint": "https://api.example.com/",
                "statusCode": 200,
                "duration": 1.0,
                "success": True,
                "error": None,
                "userId": "admin",
                "timestamp": timestamp,
                "expireAt": timestamp + timedelta(days=30),
            },
        )
        ids.append((timestamp, ref.id))
        if number % 250 == 249:
            batch.commit()
            batch = db.batch()
    batch.commit()
    return [record_id for _, record_id in sorted(ids, reverse=True)]


def list_logs(team: str, integration_id: str, uid: str = "member", **query: Any) -> dict[str, Any]:
    answer = call(request_logs_list, {"teamId": team, "integrationId": integration_id, **query}, uid=uid)
    assert answer.status == 200, answer.body
    result: dict[str, Any] = answer.result
    return result


def ids_of(items: Iterable[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------ request_logs_create


def test_an_admin_records_a_request_with_the_caller_as_user(
    db: firestore.Client, team: str, integration_id: str
) -> None:
    before = datetime.now(UTC)

    answer = log_request(
        team,
        integration_id,
        method="POST",
        endpoint="https://api.example.com/v1/items",
        statusCode=502,
        duration=123.4,
        success=False,
        error="HTTP 502",
    )

    assert answer.status == 200, answer.body
    record = answer.result
    assert record["userId"] == "admin"
    assert record["integrationId"] == integration_id
    assert (record["method"], record["statusCode"], record["duration"]) == ("POST", 502, 123.4)
    assert (record["success"], record["error"]) == (False, "HTTP 502")
    assert "teamId" not in record
    assert "expireAt" not in record
    stored = db.document(f"teams/{team}/integrationLogs/{record['id']}").get().to_dict()
    assert stored is not None
    assert stored["userId"] == "admin"
    assert stored["integrationId"] == integration_id
    assert stored["endpoint"] == "https://api.example.com/v1/items"
    assert before - timedelta(seconds=1) <= stored["timestamp"] <= datetime.now(UTC) + timedelta(seconds=1)
    assert datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")) == stored["timestamp"]
    retention = stored["expireAt"] - stored["timestamp"]
    assert abs(retention - timedelta(days=30)) < timedelta(seconds=1)


def test_the_owner_records_too(team: str, integration_id: str) -> None:
    answer = log_request(team, integration_id, uid="owner")

    assert answer.status == 200, answer.body
    assert answer.result["userId"] == "owner"


def test_the_stored_endpoint_has_no_credentials(db: firestore.Client, team: str, integration_id: str) -> None:
    answer = log_request(
        team, integration_id, endpoint="https://user:pass@api.example.com/v1/items?token=abc&page=2"
    )

    assert answer.status == 200, answer.body
    stored = db.document(f"teams/{team}/integrationLogs/{answer.result['id']}").get().to_dict()
    assert stored is not None
    endpoint = stored["endpoint"]
    assert "user" not in endpoint
    assert "pass" not in endpoint
    assert "abc" not in endpoint
    assert endpoint == "https://api.example.com/v1/items?token=***&page=2"
    assert answer.result["endpoint"] == endpoint


@pytest.mark.parametrize("uid", ["member", "stranger"])
def test_only_admins_record(db: firestore.Client, team: str, integration_id: str, uid: str) -> None:
    before = all_documents(db)

    answer = log_request(team, integration_id, uid=uid)

    assert answer.error["status"] == "PERMISSION_DENIED"
    assert all_documents(db) == before


def test_signed_out_callers_record_nothing(db: firestore.Client, team: str, integration_id: str) -> None:
    before = all_documents(db)

    answer = call(
        request_logs_create,
        {
            "teamId": team,
            "integrationId": integration_id,
            "method": "GET",
            "endpoint": "https://api.example.com/",
            "duration": 1,
            "success": True,
        },
    )

    assert answer.error["status"] == "UNAUTHENTICATED"
    assert all_documents(db) == before


def test_a_record_for_an_unknown_integration_is_not_found(
    db: firestore.Client, team: str, integration_id: str
) -> None:
    before = all_documents(db)

    answer = log_request(team, "no-such-integration")

    assert answer.error["status"] == "NOT_FOUND"
    assert answer.error["details"]["field"] == "integrationId"
    assert all_documents(db) == before


def test_an_integration_of_another_team_is_not_found(
    db: firestore.Client, team: str, integration_id: str
) -> None:
    from shared.models.teams import Role
    from shared.store import members

    db.document("teams/team-b").set({"name": "Team B"})
    members.set_role("team-b", "admin", Role.ADMIN)
    before = all_documents(db)

    answer = log_request("team-b", integration_id)

    assert answer.error["status"] == "NOT_FOUND"
    assert answer.error["details"]["field"] == "integrationId"
    assert all_documents(db) == before


def test_a_recorded_request_is_listed(team: str, integration_id: str) -> None:
    created = log_request(team, integration_id).result

    listed = list_logs(team, integration_id)

    assert listed["items"] == [created]
    assert listed["nextCursor"] is None


# ------------------------------------------------------------------ request_logs_list


def test_newest_first(db: firestore.Client, team: str, integration_id: str) -> None:
    middle = seed_record(db, team, integration_id, BASE)
    oldest = seed_record(db, team, integration_id, BASE - timedelta(hours=1))
    newest = seed_record(db, team, integration_id, BASE + timedelta(hours=1))

    listed = list_logs(team, integration_id)

    assert ids_of(listed["items"]) == [newest, middle, oldest]
    timestamps = [item["timestamp"] for item in listed["items"]]
    assert timestamps == sorted(timestamps, reverse=True)
    assert listed["items"][0]["timestamp"] == iso(BASE + timedelta(hours=1))


def test_limit_defaults_to_50(db: firestore.Client, team: str, integration_id: str) -> None:
    ids = seed_many(db, team, integration_id, 60)

    listed = list_logs(team, integration_id)

    assert ids_of(listed["items"]) == ids[:50]
    assert listed["nextCursor"] is not None


def test_limit_goes_up_to_500(db: firestore.Client, team: str, integration_id: str) -> None:
    ids = seed_many(db, team, integration_id, 501)

    first = list_logs(team, integration_id, limit=500)
    rest = list_logs(team, integration_id, limit=500, cursor=first["nextCursor"])
    too_many = call(
        request_logs_list, {"teamId": team, "integrationId": integration_id, "limit": 501}, uid="member"
    )

    assert ids_of(first["items"]) == ids[:500]
    assert ids_of(rest["items"]) == ids[500:]
    assert rest["nextCursor"] is None
    assert too_many.error["status"] == "INVALID_ARGUMENT"
    assert too_many.error["details"]["field"] == "limit"


def test_a_page_exactly_full_has_no_next_cursor(db: firestore.Client, team: str, integration_id: str) -> None:
    ids = seed_many(db, team, integration_id, 5)

    listed = list_logs(team, integration_id, limit=5)

    assert ids_of(listed["items"]) == ids
    assert listed["nextCursor"] is None


def test_an_integration_without_records_lists_nothing(team: str, integration_id: str) -> None:
    assert list_logs(team, integration_id) == {"items": [], "nextCursor": None}


def test_pages_follow_the_cursor_without_duplicates_or_gaps(
    db: firestore.Client, team: str, integration_id: str
) -> None:
    # Several records share a timestamp, some across a page boundary: the id breaks the tie.
    expected: list[tuple[datetime, str]] = []
    for number in range(23):
        timestamp = BASE + timedelta(minutes=number // 4)
        record_id = seed_record(db, team, integration_id, timestamp, record_id=f"rec-{number:02d}")
        expected.append((timestamp, record_id))
    expected_ids = [record_id for _, record_id in sorted(expected, reverse=True)]

    pages: list[list[str]] = []
    cursor = None
    while True:
        query: dict[str, Any] = {"limit": 5}
        if cursor is not None:
            query["cursor"] = cursor
        page = list_logs(team, integration_id, **query)
        pages.append(ids_of(page["items"]))
        cursor = page["nextCursor"]
        if cursor is None:
            break
        assert len(pages) < 10, "the cursor does not advance"

    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    seen = [record_id for page in pages for record_id in page]
    assert seen == expected_ids
    assert len(set(seen)) == len(seen)


def test_filter_by_success(db: firestore.Client, team: str, integration_id: str) -> None:
    good = [
        seed_record(db, team, integration_id, BASE + timedelta(minutes=n), success=True) for n in range(3)
    ]
    bad = [
        seed_record(db, team, integration_id, BASE + timedelta(minutes=n, seconds=30), success=False)
        for n in range(2)
    ]

    succeeded = list_logs(team, integration_id, success=True)
    failed = list_logs(team, integration_id, success=False)
    everything = list_logs(team, integration_id)

    assert ids_of(succeeded["items"]) == list(reversed(good))
    assert all(item["success"] is True for item in succeeded["items"])
    assert ids_of(failed["items"]) == list(reversed(bad))
    assert all(item["success"] is False for item in failed["items"])
    assert len(everything["items"]) == 5


def test_filter_by_success_pages_with_the_cursor(
    db: firestore.Client, team: str, integration_id: str
) -> None:
    failed = []
    for number in range(10):
        record_id = seed_record(
            db, team, integration_id, BASE + timedelta(minutes=number), success=number % 2 == 0
        )
        if number % 2:
            failed.append(record_id)

    first = list_logs(team, integration_id, success=False, limit=3)
    second = list_logs(team, integration_id, success=False, limit=3, cursor=first["nextCursor"])

    assert ids_of(first["items"]) + ids_of(second["items"]) == list(reversed(failed))
    assert second["nextCursor"] is None


def test_filter_by_since(db: firestore.Client, team: str, integration_id: str) -> None:
    old = seed_record(db, team, integration_id, BASE - timedelta(days=2))
    older = seed_record(db, team, integration_id, BASE - timedelta(days=3))
    at_since = seed_record(db, team, integration_id, BASE)
    recent = seed_record(db, team, integration_id, BASE + timedelta(hours=5))

    listed = list_logs(team, integration_id, since=iso(BASE))

    assert ids_of(listed["items"]) == [recent, at_since]
    assert old not in ids_of(listed["items"])
    assert older not in ids_of(listed["items"])


def test_since_with_another_offset_is_the_same_instant(
    db: firestore.Client, team: str, integration_id: str
) -> None:
    seed_record(db, team, integration_id, BASE - timedelta(minutes=1))
    after = seed_record(db, team, integration_id, BASE + timedelta(minutes=1))

    # 14:00 at +02:00 is BASE (12:00 UTC).
    listed = list_logs(team, integration_id, since="2026-03-01T14:00:00+02:00")

    assert ids_of(listed["items"]) == [after]


def test_filter_by_success_and_since(db: firestore.Client, team: str, integration_id: str) -> None:
    seed_record(db, team, integration_id, BASE - timedelta(days=1), success=False)  # too old
    seed_record(db, team, integration_id, BASE - timedelta(days=1), success=True)  # too old, succeeded
    seed_record(db, team, integration_id, BASE + timedelta(hours=1), success=True)  # succeeded
    wanted_older = seed_record(db, team, integration_id, BASE + timedelta(hours=1), success=False)
    wanted_newer = seed_record(db, team, integration_id, BASE + timedelta(hours=2), success=False)

    listed = list_logs(team, integration_id, success=False, since=iso(BASE))

    assert ids_of(listed["items"]) == [wanted_newer, wanted_older]


def test_another_integrations_records_never_appear(
    db: firestore.Client, team: str, integration_id: str
) -> None:
    other = call(
        integrations_create,
        {"teamId": team, "type": "zapier", "name": "Other", "config": {"hookUrl": ZAPIER_HOOK}},
        uid="admin",
    ).result["id"]
    mine = [seed_record(db, team, integration_id, BASE + timedelta(minutes=n)) for n in range(3)]
    theirs = [
        seed_record(db, team, other, BASE + timedelta(minutes=n, seconds=10), success=n % 2 == 0)
        for n in range(6)
    ]
    log_request(team, other)

    listings = [
        list_logs(team, integration_id),
        list_logs(team, integration_id, success=True),
        list_logs(team, integration_id, success=False),
        list_logs(team, integration_id, since=iso(BASE)),
        list_logs(team, integration_id, limit=1),
    ]
    page_one = list_logs(team, integration_id, limit=2)
    page_two = list_logs(team, integration_id, limit=2, cursor=page_one["nextCursor"])

    for listing in [*listings, page_one, page_two]:
        assert all(item["integrationId"] == integration_id for item in listing["items"])
        assert not set(ids_of(listing["items"])) & set(theirs)
    assert ids_of(listings[0]["items"]) == list(reversed(mine))
    assert ids_of(page_one["items"]) + ids_of(page_two["items"]) == list(reversed(mine))
    assert len(list_logs(team, other)["items"]) == 7


def test_members_list_and_strangers_do_not(db: firestore.Client, team: str, integration_id: str) -> None:
    record = seed_record(db, team, integration_id, BASE)
    query = {"teamId": team, "integrationId": integration_id}

    for uid in ["owner", "admin", "member"]:
        assert ids_of(list_logs(team, integration_id, uid=uid)["items"]) == [record]
    stranger = call(request_logs_list, query, uid="stranger")
    signed_out = call(request_logs_list, query)

    assert stranger.error["status"] == "PERMISSION_DENIED"
    assert "items" not in stranger.body.get("result", {})
    assert signed_out.error["status"] == "UNAUTHENTICATED"
