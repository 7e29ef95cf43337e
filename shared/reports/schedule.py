"""Scheduled reports: the sweep of due reports (`job_run_due_reports`) and the run of one
(`taskRunReport`), which emits `report.completed` with the rows to the team's subscribers.

Idempotent per (report, slot): the event's id derives from the report and the time it was due, and
is created once; the schedule then moves on only if it is still due at that time. A task delivered
twice finds the schedule moved on and does nothing; a task that died between the event and the move
runs again and its event is refused as a duplicate. A report too large to execute is logged and its
schedule moves on (it would be as large at the next retry).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared import events, ids, log, sweeps
from shared.models.reports import ReportTask
from shared.models.sweeps import DueItem
from shared.reports.execute import TooLarge, execute
from shared.store import reports as store

DUE_PAGE_TASK = "taskRunDueReportsPage"
RUN_TASK = "taskRunReport"
COMPLETED = "report.completed"


def event_id(report_id: str, scheduled_for: datetime) -> str:
    return f"{COMPLETED}-" + ids.digest(report_id, scheduled_for.isoformat(), length=32)


def run_scheduled(task: ReportTask) -> str:
    """What `taskRunReport` does for one due report."""
    report = store.get(task.team_id, task.report_id)
    if report is None or report.schedule is None or report.schedule.next_run_at != task.scheduled_for:
        return "skipped: the report is gone, unscheduled or not due at this time any more"
    try:
        rows = execute(task.team_id, report)
    except TooLarge as error:
        log.warning("scheduled report not run", reportId=report.id, reason=error.message)
        store.advance_schedule(task.team_id, report.id, task.scheduled_for, datetime.now(UTC))
        return "skipped: too large"
    emitted = events.emit(
        task.team_id,
        COMPLETED,
        {
            "id": report.id,
            "reportId": report.id,
            "name": report.name,
            "metric": report.metric.value,
            "groupBy": report.group_by.value,
            "scheduledFor": task.scheduled_for.isoformat(),
            "rows": rows,
        },
        event_id=event_id(report.id, task.scheduled_for),
    )
    store.advance_schedule(task.team_id, report.id, task.scheduled_for, datetime.now(UTC))
    return "completed" if emitted else "completed before: its event exists"


def _item(item: DueItem) -> dict[str, object]:
    return {"teamId": item.team_id, "reportId": item.document_id, "scheduledFor": item.at.isoformat()}


DUE_REPORTS = sweeps.Sweep(
    name="run-due-reports",
    every=timedelta(minutes=5),
    page_task=DUE_PAGE_TASK,
    item_task=RUN_TASK,
    sources={"due": store.reports_due},
    item=_item,
)
