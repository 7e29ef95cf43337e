"""`/v1/reports` against the real Firestore emulator: definitions, execution checked against answers
this test computes itself from the tickets it wrote, the CSV export parsed back, schedules run by the
sweep and the item task (twice for one slot: one event), scopes, cross-team isolation, bad input."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import request
from google.cloud import firestore

from functions import public_api
from shared.models.reports import ReportTask
from shared.models.sweeps import PageTask
from shared.reports import execute as engine
from shared.reports.schedule import DUE_REPORTS, RUN_TASK, event_id, run_scheduled
from tests.integration.test_public_api import _app, api, assert_problem, make_key, pointers
from tests.support.task_queue import RecordingQueue

__all__ = ["make_key"]  # a fixture, used by name

KeyMaker = Callable[..., str]
REPORT_FIELDS = {"id", "name", "metric", "groupBy", "filters", "schedule", "createdAt", "updatedAt"}
METRICS = ["ticket_count", "first_response_time", "resolution_time"]
GROUPS = ["status", "priority", "assignee", "day", "week"]
STATUSES = ["open", "pending", "resolved", "closed"]
PRIORITIES = ["low", "normal", "high", "urgent"]
# Spans two ISO weeks and a year's turn (2026-W53 ends on Sunday 2027-01-03).
START = datetime(2026, 12, 30, 9, 0, tzinfo=UTC)
HOUR = 3_600_000


@pytest.fixture
def key(make_key: KeyMaker) -> str:
    return make_key(
        ["reports:read", "reports:write", "reports:execute", "reports:export", "reports:schedule"]
    )


def ticket(number: int) -> dict[str, Any]:
    """A varied ticket: status, priority, assignee, creation time over 8 days, and some measured."""
    created = START + timedelta(hours=7 * number, minutes=number)
    fields: dict[str, Any] = {
        "subject": f"ticket {number}",
        "status": STATUSES[number % 4],
        "priority": PRIORITIES[(number // 2) % 4],
        "assigneeId": [None, "agent-1", "agent-2", "=HYPERLINK(1)"][number % 3 if number % 5 else 3],
        "source": "api",
        "createdAt": created,
        "updatedAt": created,
    }
    if number % 3 != 1:
        fields["firstResponseAt"] = created + timedelta(minutes=5 * number + 1, seconds=number)
    if number % 4 in (2, 3):
        fields["resolvedAt"] = created + timedelta(hours=number, seconds=7)
    if fields["assigneeId"] is None:
        del fields["assigneeId"]
    return fields


TICKETS = {f"t{number:03d}": ticket(number) for number in range(30)}


@pytest.fixture
def tickets(db: firestore.Client, team: str) -> dict[str, dict[str, Any]]:
    batch = db.batch()
    for ticket_id, fields in TICKETS.items():
        batch.set(db.document(f"teams/{team}/tickets/{ticket_id}"), fields)
        # Another team's tickets, which no report of this team may count.
        batch.set(db.document(f"teams/team-b/tickets/{ticket_id}"), {**fields, "status": "open"})
    batch.commit()
    return TICKETS


def expected(metric: str, group_by: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows, computed in plain Python from TICKETS (the README's definition, not the engine's code)."""

    def matches(fields: dict[str, Any]) -> bool:
        created = fields["createdAt"]
        return (
            all(
                fields.get(name) == filters[name]
                for name in ("status", "priority", "assigneeId")
                if name in filters
            )
            and ("createdFrom" not in filters or created >= filters["createdFrom"])
            and ("createdTo" not in filters or created < filters["createdTo"])
        )

    def group(fields: dict[str, Any]) -> Any:
        created = fields["createdAt"]
        year, week, _ = created.isocalendar()
        return {
            "status": fields["status"],
            "priority": fields["priority"],
            "assignee": fields.get("assigneeId"),
            "day": created.date().isoformat(),
            "week": f"{year}-W{week:02d}",
        }[group_by]

    measured: dict[Any, list[float]] = defaultdict(list)
    for fields in TICKETS.values():
        if not matches(fields):
            continue
        if metric == "ticket_count":
            measured[group(fields)].append(1)
            continue
        end = fields.get("firstResponseAt" if metric == "first_response_time" else "resolvedAt")
        if end is not None:
            measured[group(fields)].append((end - fields["createdAt"]).total_seconds())
    values = {
        name: (len(found) if metric == "ticket_count" else sum(found) / len(found))
        for name, found in measured.items()
    }
    if metric == "ticket_count" and group_by in ("status", "priority"):
        # Every known value has its row, zeros included (one count() per value).
        known = STATUSES if group_by == "status" else PRIORITIES
        chosen = filters.get(group_by)
        values = {name: values.get(name, 0) for name in known if chosen in (None, name)}
    order = {"status": STATUSES, "priority": PRIORITIES}.get(group_by, [])
    ranked = sorted(
        values, key=lambda name: (order.index(name) if name in order else len(order), name is None, str(name))
    )
    return [{group_by: name, "value": values[name]} for name in ranked]


def create(key: str, **fields: Any) -> dict[str, Any]:
    answer = api("POST", "/v1/reports", key=key, body={"name": "r", **fields})
    assert answer.status == 201, answer.body
    body: dict[str, Any] = answer.body
    return body


def rows(key: str, report_id: str) -> list[dict[str, Any]]:
    answer = api("POST", f"/v1/reports/{report_id}/execute", key=key)
    assert answer.status == 200, answer.body
    assert set(answer.body) == {"rows"}
    found: list[dict[str, Any]] = answer.body["rows"]
    return found


def same_rows(found: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> None:
    assert [{k: v for k, v in row.items() if k != "value"} for row in found] == [
        {k: v for k, v in row.items() if k != "value"} for row in wanted
    ]
    assert [row["value"] for row in found] == pytest.approx([row["value"] for row in wanted], abs=0.001)


def export(key: str, path: str) -> tuple[int, str, dict[str, str]]:
    with _app.test_request_context(path, method="GET", headers={"Authorization": f"Bearer {key}"}):
        response = public_api(request)
    return response.status_code, response.get_data(as_text=True), dict(response.headers)


def stored(db: firestore.Client, team: str = "team-a") -> dict[str, Any]:
    return {snap.id: snap.to_dict() for snap in db.collection(f"teams/{team}/reports").stream()}


# ------------------------------------------------------------------ definitions


def test_reports_create_read_update_delete(db: firestore.Client, team: str, key: str) -> None:
    created = create(
        key,
        metric="resolution_time",
        groupBy="week",
        filters={"status": "resolved", "createdFrom": "2027-01-01T00:00:00+01:00"},
    )
    assert set(created) == REPORT_FIELDS
    assert created["filters"] == {"status": "resolved", "createdFrom": "2026-12-31T23:00:00Z"}
    assert created["schedule"] is None
    report_id = created["id"]
    assert db.document(f"teams/{team}/reports/{report_id}").get().get("groupBy") == "week"

    assert api("GET", f"/v1/reports/{report_id}", key=key).body == created
    patched = api("PATCH", f"/v1/reports/{report_id}", key=key, body={"name": "weekly", "filters": {}})
    assert patched.status == 200
    assert (patched.body["name"], patched.body["filters"], patched.body["metric"]) == (
        "weekly",
        {},
        "resolution_time",
    )
    assert api("GET", "/v1/reports", key=key).body["items"] == [patched.body]

    assert api("DELETE", f"/v1/reports/{report_id}", key=key).status == 204
    assert_problem(api("GET", f"/v1/reports/{report_id}", key=key), 404, "not-found")
    assert_problem(api("DELETE", f"/v1/reports/{report_id}", key=key), 404, "not-found")
    assert_problem(api("POST", f"/v1/reports/{report_id}/execute", key=key), 404, "not-found")
    assert stored(db) == {}


def test_lists_page_by_updated_at_with_cursors_bound_to_their_filters(key: str) -> None:
    made = [create(key, metric="ticket_count", groupBy="day")["id"] for _ in range(5)]

    first = api("GET", "/v1/reports?limit=2", key=key).body
    second = api("GET", f"/v1/reports?limit=2&cursor={first['nextCursor']}", key=key).body
    third = api("GET", f"/v1/reports?limit=2&cursor={second['nextCursor']}", key=key).body

    assert [item["id"] for page in (first, second, third) for item in page["items"]] == made
    assert third["nextCursor"] is None
    since = "updatedSince=2020-01-01T00:00:00Z"
    other = api("GET", f"/v1/reports?limit=2&{since}&cursor={first['nextCursor']}", key=key)
    assert pointers(other) == ["#/query/cursor"]
    for query, pointer in [
        ("limit=0", "#/query/limit"),
        ("limit=101", "#/query/limit"),
        ("updatedSince=1", "#/query/updatedSince"),
    ]:
        assert pointers(assert_answer_400(api("GET", f"/v1/reports?{query}", key=key))) == [pointer]


def assert_answer_400(answer: Any) -> Any:
    assert_problem(answer, 400, "invalid-request")
    return answer


def test_a_retried_create_makes_one_report(db: firestore.Client, key: str) -> None:
    body = {"name": "daily", "metric": "ticket_count", "groupBy": "day"}
    first = api("POST", "/v1/reports", key=key, body=body, headers={"Idempotency-Key": "r-1"})
    again = api("POST", "/v1/reports", key=key, body=body, headers={"Idempotency-Key": "r-1"})

    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    assert list(stored(db)) == [first.body["id"]]


BAD_BODIES: list[tuple[str, str, dict[str, Any], list[str]]] = [
    ("POST", "", {"metric": "ticket_count", "groupBy": "day"}, ["/name"]),
    ("POST", "", {"name": "r", "metric": "median", "groupBy": "day"}, ["/metric"]),
    ("POST", "", {"name": "r", "metric": "ticket_count", "groupBy": "month"}, ["/groupBy"]),
    (
        "POST",
        "",
        {"name": "r", "metric": "ticket_count", "groupBy": "day", "filters": {"status": "gone"}},
        ["/filters/status"],
    ),
    (
        "POST",
        "",
        {"name": "r", "metric": "ticket_count", "groupBy": "day", "filters": {"priority": 1}},
        ["/filters/priority"],
    ),
    (
        "POST",
        "",
        {"name": "r", "metric": "ticket_count", "groupBy": "day", "filters": {"assigneeId": "a/b"}},
        ["/filters/assigneeId"],
    ),
    (
        "POST",
        "",
        {"name": "r", "metric": "ticket_count", "groupBy": "day", "filters": {"createdFrom": 5}},
        ["/filters/createdFrom"],
    ),
    (
        "POST",
        "",
        {
            "name": "r",
            "metric": "ticket_count",
            "groupBy": "day",
            "filters": {"createdFrom": "2027-01-02T00:00:00Z", "createdTo": "2027-01-01T00:00:00Z"},
        },
        ["/filters"],
    ),
    ("POST", "", {"name": "r", "metric": "ticket_count", "groupBy": "day", "teamId": "team-b"}, ["/teamId"]),
    ("POST", "", {"name": "", "metric": "ticket_count", "groupBy": "day"}, ["/name"]),
    ("PATCH", "/{id}", {}, [""]),
    ("PATCH", "/{id}", {"name": None}, ["/name"]),
    ("PATCH", "/{id}", {"groupBy": "hour"}, ["/groupBy"]),
    ("POST", "/{id}/schedule", {"frequency": HOUR - 1}, ["/frequency"]),
    ("POST", "/{id}/schedule", {"frequency": "3600000"}, ["/frequency"]),
    ("POST", "/{id}/schedule", {"frequency": 32 * 24 * HOUR}, ["/frequency"]),
    ("POST", "/{id}/schedule", {}, ["/frequency"]),
]


@pytest.mark.parametrize(("method", "suffix", "body", "wanted"), BAD_BODIES)
def test_bad_bodies_are_400_with_pointers_and_nothing_is_written(
    db: firestore.Client, key: str, method: str, suffix: str, body: dict[str, Any], wanted: list[str]
) -> None:
    report_id = create(key, metric="ticket_count", groupBy="status")["id"]
    before = stored(db)

    answer = api(method, "/v1/reports" + suffix.format(id=report_id), key=key, body=body)

    assert_problem(answer, 400, "invalid-request")
    assert pointers(answer)[:1] == wanted
    assert stored(db) == before


def test_bad_path_ids_and_export_formats_are_400(key: str) -> None:
    report_id = create(key, metric="ticket_count", groupBy="status")["id"]
    assert pointers(assert_answer_400(api("GET", "/v1/reports/__x__", key=key))) == ["#/path/id"]
    status, text, _ = export(key, f"/v1/reports/{report_id}/export?format=xlsx")
    assert status == 400
    assert [item["pointer"] for item in json.loads(text)["errors"]] == ["#/query/format"]


# ------------------------------------------------------------------ scopes and teams

REPORT_ROUTES = [
    ("GET", "/v1/reports", "reports:read"),
    ("GET", "/v1/reports/{id}", "reports:read"),
    ("POST", "/v1/reports", "reports:write"),
    ("PATCH", "/v1/reports/{id}", "reports:write"),
    ("DELETE", "/v1/reports/{id}", "reports:write"),
    ("POST", "/v1/reports/{id}/execute", "reports:execute"),
    ("GET", "/v1/reports/{id}/export?format=csv", "reports:export"),
    ("POST", "/v1/reports/{id}/schedule", "reports:schedule"),
    ("DELETE", "/v1/reports/{id}/schedule", "reports:schedule"),
]
BODIES = {
    "/v1/reports": {"name": "r", "metric": "ticket_count", "groupBy": "status"},
    "/v1/reports/{id}": {"name": "renamed"},
    "/v1/reports/{id}/schedule": {"frequency": HOUR},
}


@pytest.mark.parametrize(
    "scope",
    [
        "reports:read",
        "reports:write",
        "reports:execute",
        "reports:export",
        "reports:schedule",
        "admin:full",
        "contacts:read",
    ],
)
def test_each_scope_opens_exactly_its_routes(make_key: KeyMaker, key: str, scope: str) -> None:
    scoped = make_key([scope])
    for method, pattern, needed in REPORT_ROUTES:
        report_id = create(key, metric="ticket_count", groupBy="status")["id"]
        path = pattern.format(id=report_id)
        body = BODIES.get(pattern.split("?")[0]) if method in ("POST", "PATCH") else None
        if pattern.endswith("export?format=csv"):
            status, text, _ = export(scoped, path)
        else:
            answer = api(method, path, key=scoped, body=body)
            status, text = answer.status, json.dumps(answer.body)
        if scope in (needed, "admin:full"):
            assert status in (200, 201, 204), (method, pattern, text)
        else:
            assert status == 403, (method, pattern)
            assert needed in json.loads(text)["detail"]


def test_a_key_of_one_team_never_reaches_another_teams_reports(
    db: firestore.Client, team: str, make_key: KeyMaker, key: str, tickets: dict[str, Any]
) -> None:
    db.document("teams/team-b").set({"name": "Team B"})
    theirs = make_key(["admin:full"], team_id="team-b")
    report_id = create(theirs, metric="ticket_count", groupBy="status")["id"]
    before = stored(db, "team-b")

    for method, pattern, _ in REPORT_ROUTES:
        if "{id}" not in pattern:
            continue
        body = BODIES.get(pattern.split("?")[0]) if method in ("POST", "PATCH") else None
        if pattern.endswith("export?format=csv"):
            assert export(key, pattern.format(id=report_id))[0] == 404
        else:
            assert_problem(api(method, pattern.format(id=report_id), key=key, body=body), 404, "not-found")
    assert api("GET", "/v1/reports", key=key).body["items"] == []
    assert stored(db, "team-b") == before
    # The same definition in each team counts each team's tickets only (team B's are all open).
    mine = create(key, metric="ticket_count", groupBy="status")["id"]
    assert rows(key, mine) == expected("ticket_count", "status", {})
    assert rows(theirs, report_id) == [{"status": "open", "value": 30}] + [
        {"status": status, "value": 0} for status in STATUSES[1:]
    ]


# ------------------------------------------------------------------ execution

FILTERS: list[dict[str, Any]] = [
    {},
    {"status": "open"},
    {"priority": "high", "status": "resolved"},
    {"assigneeId": "agent-1"},
    {"createdFrom": START + timedelta(days=2), "createdTo": START + timedelta(days=6)},
    {"status": "pending", "priority": "normal", "assigneeId": "agent-2", "createdFrom": START},
]


def wire_filters(filters: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value for name, value in filters.items()
    }


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("group_by", GROUPS)
def test_every_metric_by_every_group_matches_the_tickets(
    key: str, tickets: dict[str, Any], metric: str, group_by: str
) -> None:
    for filters in FILTERS:
        report_id = create(key, metric=metric, groupBy=group_by, filters=wire_filters(filters))["id"]

        found = rows(key, report_id)

        same_rows(found, expected(metric, group_by, filters))
    assert expected(metric, group_by, {}), "the fixture makes rows for every report"


def test_pages_of_the_scan_make_the_same_rows(
    monkeypatch: pytest.MonkeyPatch, key: str, tickets: dict[str, Any]
) -> None:
    report_ids = {
        group: create(key, metric="ticket_count", groupBy=group)["id"] for group in ("assignee", "week")
    }
    whole = {group: rows(key, report_id) for group, report_id in report_ids.items()}
    monkeypatch.setattr(engine, "PAGE_SIZE", 4)

    assert {group: rows(key, report_id) for group, report_id in report_ids.items()} == whole


def test_a_report_over_the_bound_is_422_report_too_large(
    monkeypatch: pytest.MonkeyPatch, key: str, tickets: dict[str, Any]
) -> None:
    report_id = create(key, metric="first_response_time", groupBy="day")["id"]
    small = create(key, metric="ticket_count", groupBy="day", filters={"status": "open"})["id"]
    counted = create(key, metric="ticket_count", groupBy="status")["id"]
    monkeypatch.setattr(engine, "MAX_TICKETS", len(TICKETS) - 1)
    monkeypatch.setattr(engine, "PAGE_SIZE", 7)

    problem = assert_problem(
        api("POST", f"/v1/reports/{report_id}/execute", key=key), 422, "report-too-large"
    )
    assert "report too large" in problem["detail"]
    status, _, _ = export(key, f"/v1/reports/{report_id}/export?format=csv")
    assert status == 422
    # Within the bound, and by aggregation (no ticket read), the bound does not apply.
    same_rows(rows(key, small), expected("ticket_count", "day", {"status": "open"}))
    same_rows(rows(key, counted), expected("ticket_count", "status", {}))


# ------------------------------------------------------------------ CSV


@pytest.mark.parametrize(
    ("metric", "group_by"), list(itertools.product(METRICS, ["assignee", "status", "week"]))
)
def test_the_csv_export_parses_back_to_the_rows(
    key: str, tickets: dict[str, Any], metric: str, group_by: str
) -> None:
    report_id = create(key, metric=metric, groupBy=group_by)["id"]
    executed = rows(key, report_id)

    status, text, headers = export(key, f"/v1/reports/{report_id}/export?format=csv")

    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    assert f"report-{report_id}.csv" in headers["Content-Disposition"]
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == [group_by, "value"]
    guarded = [
        [
            ""
            if row[group_by] is None
            else ("'" + row[group_by] if str(row[group_by])[0] in "=+-@" else row[group_by]),
            row["value"],
        ]
        for row in executed
    ]
    assert [[name, float(value)] for name, value in parsed[1:]] == [
        [name, float(value)] for name, value in guarded
    ]
    if group_by == "assignee":
        assert [name for name, _ in parsed[1:] if "HYPERLINK" in name] == ["'=HYPERLINK(1)"]
        assert "" in [name for name, _ in parsed[1:]]  # the unassigned


def test_the_export_format_defaults_to_csv(key: str, tickets: dict[str, Any]) -> None:
    report_id = create(key, metric="ticket_count", groupBy="priority")["id"]
    status, text, _ = export(key, f"/v1/reports/{report_id}/export")
    assert status == 200
    assert list(csv.reader(io.StringIO(text)))[1:] == [
        [row["priority"], str(row["value"])] for row in expected("ticket_count", "priority", {})
    ]


# ------------------------------------------------------------------ schedules


def test_a_schedule_is_set_and_cleared(key: str) -> None:
    report_id = create(key, metric="ticket_count", groupBy="status")["id"]
    before = datetime.now(UTC)

    scheduled = api("POST", f"/v1/reports/{report_id}/schedule", key=key, body={"frequency": 2 * HOUR}).body

    schedule = scheduled["schedule"]
    assert schedule["frequency"] == 2 * HOUR
    assert schedule["lastRunAt"] is None
    next_run_at = datetime.fromisoformat(schedule["nextRunAt"])
    assert before + timedelta(hours=2) <= next_run_at <= datetime.now(UTC) + timedelta(hours=2)
    assert api("GET", f"/v1/reports/{report_id}", key=key).body["schedule"] == schedule
    cleared = api("DELETE", f"/v1/reports/{report_id}/schedule", key=key).body
    assert cleared["schedule"] is None


def test_a_due_report_runs_once_per_slot_and_emits_its_rows(
    db: firestore.Client, team: str, key: str, tickets: dict[str, Any]
) -> None:
    report_id = create(key, metric="resolution_time", groupBy="priority")["id"]
    later = create(key, metric="ticket_count", groupBy="day")["id"]
    create(key, metric="ticket_count", groupBy="week")  # never scheduled
    for scheduled in (report_id, later):
        assert (
            api("POST", f"/v1/reports/{scheduled}/schedule", key=key, body={"frequency": HOUR}).status == 200
        )
    due_at = datetime.now(UTC) - timedelta(minutes=90)
    db.document(f"teams/{team}/reports/{report_id}").update({"schedule.nextRunAt": due_at})
    now = datetime.now(UTC)

    # The job's sweep finds the one due report and queues one run for it.
    queue = RecordingQueue()
    DUE_REPORTS.start(now, queue)
    page = PageTask.model_validate(queue.of(DUE_REPORTS.page_task)[0].data)
    DUE_REPORTS.run_page(page, queue)
    runs = queue.of(RUN_TASK)
    assert [task.data["reportId"] for task in runs] == [report_id]
    task = ReportTask.model_validate(runs[0].data)
    assert task.scheduled_for == due_at

    outcomes = [run_scheduled(task), run_scheduled(task)]
    # A task that died after its event and before the schedule moved on runs again: no second event.
    db.document(f"teams/{team}/reports/{report_id}").update({"schedule.nextRunAt": due_at})
    outcomes.append(run_scheduled(task))

    assert outcomes[0] == "completed"
    assert outcomes[1].startswith("skipped")
    assert outcomes[2].startswith("completed before")
    events = [
        snap
        for snap in db.collection(f"teams/{team}/events").stream()
        if snap.get("type") == "report.completed"
    ]
    assert [snap.id for snap in events] == [event_id(report_id, due_at)]
    data = events[0].get("data")
    assert (data["reportId"], data["groupBy"], data["metric"]) == (report_id, "priority", "resolution_time")
    same_rows(data["rows"], expected("resolution_time", "priority", {}))
    schedule = api("GET", f"/v1/reports/{report_id}", key=key).body["schedule"]
    # Missed slots are skipped: the next run is the first slot after the run, not a late one.
    assert now < datetime.fromisoformat(schedule["nextRunAt"]) <= datetime.now(UTC) + timedelta(hours=1)
    assert datetime.fromisoformat(schedule["lastRunAt"]) >= now
    # Nothing is due any more: the next tick queues no run.
    again = RecordingQueue()
    DUE_REPORTS.start(datetime.now(UTC) + timedelta(minutes=5), again)
    DUE_REPORTS.run_page(PageTask.model_validate(again.of(DUE_REPORTS.page_task)[0].data), again)
    assert again.of(RUN_TASK) == []


def test_a_run_for_a_report_rescheduled_or_deleted_meanwhile_does_nothing(
    db: firestore.Client, team: str, key: str
) -> None:
    report_id = create(key, metric="ticket_count", groupBy="status")["id"]
    api("POST", f"/v1/reports/{report_id}/schedule", key=key, body={"frequency": HOUR})
    stale = ReportTask.model_validate(
        {"teamId": team, "reportId": report_id, "scheduledFor": "2027-01-01T00:00:00Z"}
    )

    assert run_scheduled(stale).startswith("skipped")
    api("DELETE", f"/v1/reports/{report_id}", key=key)
    assert run_scheduled(stale).startswith("skipped")
    assert list(db.collection(f"teams/{team}/events").stream()) == []
