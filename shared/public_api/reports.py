"""`/v1/reports`: report definitions over the team's tickets, their execution, CSV export and schedule."""

from __future__ import annotations

from shared.models.api_keys import ApiKeyScope
from shared.models.base import Page
from shared.models.reports import (
    ReportCreate,
    ReportDoc,
    ReportExportQuery,
    ReportListQuery,
    ReportPublic,
    ReportRows,
    ReportScheduleSet,
    ReportUpdate,
)
from shared.public_api import listing
from shared.public_api.problems import Problem
from shared.public_api.router import Call, Reply, Route
from shared.reports import export
from shared.reports.execute import Row, TooLarge, execute
from shared.store import reports as store

COLLECTION = "/v1/reports"
ITEM = "/v1/reports/{id}"


def _not_found() -> Problem:
    return Problem(404, "not-found", "no report with this id")


def _found(call: Call) -> ReportDoc:
    doc = store.get(call.team_id, call.params["id"])
    if doc is None:
        raise _not_found()
    return doc


def _answer(doc: ReportDoc | None, status: int = 200) -> Reply:
    if doc is None:
        raise _not_found()
    return Reply(status, ReportPublic.from_doc(doc).to_wire())


def list_reports(call: Call) -> Reply:
    query = call.query_as(ReportListQuery)
    body = listing.page(
        "reports",
        [query.updated_since],
        query.limit,
        query.cursor,
        lambda after, limit: store.list_page(call.team_id, query.updated_since, after, limit),
        ReportPublic.from_doc,
    )
    return Reply(200, body)


def get_report(call: Call) -> Reply:
    return _answer(_found(call))


def create_report(call: Call) -> Reply:
    doc = store.create(call.team_id, call.new_id or store.new_id(call.team_id), call.body_as(ReportCreate))
    return Reply(201, ReportPublic.from_doc(doc).to_wire(), {"Location": f"{COLLECTION}/{doc.id}"})


def update_report(call: Call) -> Reply:
    return _answer(store.update(call.team_id, call.params["id"], call.body_as(ReportUpdate)))


def delete_report(call: Call) -> Reply:
    if not store.delete(call.team_id, call.params["id"]):
        raise _not_found()
    return Reply(204)


def _rows(call: Call) -> tuple[ReportDoc, list[Row]]:
    doc = _found(call)
    try:
        return doc, execute(call.team_id, doc)
    except TooLarge as error:
        raise Problem(422, "report-too-large", error.message) from None


def execute_report(call: Call) -> Reply:
    _, rows = _rows(call)
    return Reply(200, ReportRows(rows=rows).to_wire())


def export_report(call: Call) -> Reply:
    call.query_as(ReportExportQuery)
    doc, rows = _rows(call)
    # The rows are computed before the answer starts, so a failure is still a problem document;
    # the text is then streamed a line at a time.
    return Reply(
        200,
        export.lines(doc.group_by.value, rows),
        {"Content-Disposition": f'attachment; filename="report-{doc.id}.csv"'},
        media_type=export.CONTENT_TYPE,
    )


def schedule_report(call: Call) -> Reply:
    frequency = call.body_as(ReportScheduleSet).frequency
    return _answer(store.set_schedule(call.team_id, call.params["id"], frequency))


def unschedule_report(call: Call) -> Reply:
    return _answer(store.clear_schedule(call.team_id, call.params["id"]))


SCHEDULE_PATH = f"{ITEM}/schedule"
READ, WRITE, SCHEDULE = ApiKeyScope.REPORTS_READ, ApiKeyScope.REPORTS_WRITE, ApiKeyScope.REPORTS_SCHEDULE
ROUTES = [
    Route("GET", COLLECTION, READ, list_reports, query=ReportListQuery, response=Page[ReportPublic]),
    Route("GET", ITEM, READ, get_report, response=ReportPublic),
    Route("POST", COLLECTION, WRITE, create_report, body=ReportCreate, response=ReportPublic, status=201),
    Route("PATCH", ITEM, WRITE, update_report, body=ReportUpdate, response=ReportPublic),
    Route("DELETE", ITEM, WRITE, delete_report, status=204),
    Route("POST", f"{ITEM}/execute", ApiKeyScope.REPORTS_EXECUTE, execute_report, response=ReportRows),
    Route(
        "GET",
        f"{ITEM}/export",
        ApiKeyScope.REPORTS_EXPORT,
        export_report,
        query=ReportExportQuery,
        media_type=export.CONTENT_TYPE,
    ),
    Route(
        "POST", f"{ITEM}/schedule", SCHEDULE, schedule_report, body=ReportScheduleSet, response=ReportPublic
    ),
    Route("DELETE", f"{ITEM}/schedule", SCHEDULE, unschedule_report, response=ReportPublic),
]
