"""Report definitions (`teams/{teamId}/reports/{id}`) and the ticket reads that execute them.

Ticket reads filter by equality on `status`, `priority`, `assigneeId` and by a range on `createdAt`,
ordered by `createdAt`: the composite indexes (each equality field, createdAt) of
firestore.indexes.json serve every combination.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import errors
from shared.models.reports import ReportCreate, ReportDoc, ReportFilters, ReportSchedule, ReportUpdate
from shared.models.sweeps import DueItem
from shared.store import paging, paths, records
from shared.store.client import db, from_snapshot, translated_errors

NEXT_RUN_AT = "schedule.nextRunAt"


def new_id(team_id: str) -> str:
    report_id: str = db().collection(paths.reports(team_id)).document().id
    return report_id


def get(team_id: str, report_id: str) -> ReportDoc | None:
    with translated_errors():
        snapshot = db().document(paths.report(team_id, report_id)).get()
    return from_snapshot(ReportDoc, snapshot) if snapshot.exists else None


def _filters(filters: ReportFilters) -> dict[str, Any]:
    """The filters as stored: the ones given, times in UTC (as Firestore gives them back)."""
    given = filters.model_dump(by_alias=True, exclude_none=True)
    return {
        name: value.astimezone(UTC) if isinstance(value, datetime) else value for name, value in given.items()
    }


def create(team_id: str, report_id: str, fields: ReportCreate) -> ReportDoc:
    """Create the report under `report_id`; when it exists already (a retried create under the same
    idempotency key), the report as it is."""
    now = datetime.now(UTC)
    doc = ReportDoc(
        id=report_id,
        name=fields.name,
        metric=fields.metric,
        group_by=fields.group_by,
        filters=_filters(fields.filters),
        created_at=now,
        updated_at=now,
    )
    try:
        with translated_errors():
            db().document(paths.report(team_id, report_id)).create(doc.to_firestore())
    except errors.AlreadyExists:
        existing = get(team_id, report_id)
        if existing is None:
            raise
        return existing
    return doc


def _change(team_id: str, report_id: str, decide: Callable[[ReportDoc], dict[str, Any]]) -> ReportDoc | None:
    """Read the report and write the fields `decide` answers, in one transaction; None when absent."""
    client = db()
    ref = client.document(paths.report(team_id, report_id))

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> ReportDoc | None:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            return None
        current = from_snapshot(ReportDoc, snapshot)
        fields = decide(current)
        if fields:
            transaction.update(ref, fields)
        return ReportDoc.model_validate({**(snapshot.to_dict() or {}), **fields, "id": report_id})

    with translated_errors():
        result: ReportDoc | None = apply(client.transaction())
    return result


def update(team_id: str, report_id: str, changes: ReportUpdate) -> ReportDoc | None:
    fields: dict[str, Any] = changes.model_dump(by_alias=True, exclude_unset=True, exclude={"filters"})
    if changes.filters is not None:
        fields["filters"] = _filters(changes.filters)
    fields["updatedAt"] = datetime.now(UTC)
    return _change(team_id, report_id, lambda _: fields)


def set_schedule(team_id: str, report_id: str, frequency: int) -> ReportDoc | None:
    """Schedule the report every `frequency` ms, the first run one period from now; a schedule set
    again replaces the period and keeps when it last ran."""
    now = datetime.now(UTC)

    def decide(current: ReportDoc) -> dict[str, Any]:
        schedule = ReportSchedule(
            frequency=frequency,
            next_run_at=now + timedelta(milliseconds=frequency),
            last_run_at=current.schedule.last_run_at if current.schedule is not None else None,
        )
        return {"schedule": schedule.model_dump(by_alias=True), "scheduled": True, "updatedAt": now}

    return _change(team_id, report_id, decide)


def clear_schedule(team_id: str, report_id: str) -> ReportDoc | None:
    return _change(
        team_id, report_id, lambda _: {"schedule": None, "scheduled": False, "updatedAt": datetime.now(UTC)}
    )


def advance_schedule(team_id: str, report_id: str, scheduled_for: datetime, ran_at: datetime) -> bool:
    """Move a schedule due at `scheduled_for` to its next slot after `ran_at` (slots missed while
    nothing ran are skipped, not run late); False when it is not due at that time any more (run
    already, rescheduled, unscheduled or deleted)."""
    moved = False

    def decide(current: ReportDoc) -> dict[str, Any]:
        nonlocal moved
        schedule = current.schedule
        if schedule is None or schedule.next_run_at != scheduled_for:
            return {}
        period = timedelta(milliseconds=schedule.frequency)
        next_run_at = schedule.next_run_at + period
        if next_run_at <= ran_at:
            next_run_at += period * ((ran_at - next_run_at) // period + 1)
        moved = True
        return {NEXT_RUN_AT: next_run_at, "schedule.lastRunAt": ran_at}

    _change(team_id, report_id, decide)
    return moved


def delete(team_id: str, report_id: str) -> bool:
    """Delete the report; False when there was none (one write, its precondition says which)."""
    client = db()
    try:
        with translated_errors():
            client.document(paths.report(team_id, report_id)).delete(option=client.write_option(exists=True))
    except errors.NotFound:
        return False
    return True


def list_page(
    team_id: str, updated_since: datetime | None, after: tuple[datetime, str] | None, limit: int
) -> list[ReportDoc]:
    """Reports by (updatedAt, id) ascending, from `updated_since` on."""
    return records.page_by_updated(ReportDoc, paths.reports(team_id), {}, updated_since, after, limit)


def reports_due(due_by: datetime, after: DueItem | None, limit: int) -> list[DueItem]:
    """A page of scheduled reports whose next run is due (index: scheduled, schedule.nextRunAt)."""
    return paging.due_page(paths.REPORTS, NEXT_RUN_AT, due_by, after, limit, equal=("scheduled", True))


# ---------------------------------------------------------------- the tickets a report reads


def _tickets(team_id: str, filters: ReportFilters, equal: dict[str, str]) -> Any:
    query: Any = db().collection(f"{paths.team(team_id)}/{paths.TICKETS}")
    conditions = {
        "status": filters.status.value if filters.status is not None else None,
        "priority": filters.priority.value if filters.priority is not None else None,
        "assigneeId": filters.assignee_id,
        **equal,
    }
    for field, value in conditions.items():
        if value is not None:
            query = query.where(filter=FieldFilter(field, "==", value))
    if filters.created_from is not None:
        query = query.where(filter=FieldFilter("createdAt", ">=", filters.created_from))
    if filters.created_to is not None:
        query = query.where(filter=FieldFilter("createdAt", "<", filters.created_to))
    return query


def count_tickets(team_id: str, filters: ReportFilters, equal: dict[str, str]) -> int:
    """How many tickets match the filters and `equal`: one aggregation query, no document read."""
    query = _tickets(team_id, filters, equal).count(alias="n")
    with translated_errors():
        result = query.get()
    return int(result[0][0].value)


def ticket_page(
    team_id: str,
    filters: ReportFilters,
    fields: Sequence[str],
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[str, dict[str, Any]]]:
    """Up to `limit` matching tickets after `after`, by (createdAt, id), each as (id, only `fields`)."""
    collection = db().collection(f"{paths.team(team_id)}/{paths.TICKETS}")
    query = _tickets(team_id, filters, {}).order_by("createdAt").order_by("__name__")
    if after is not None:
        created_at, ticket_id = after
        query = query.start_after({"createdAt": created_at, "__name__": collection.document(ticket_id)})
    query = query.select(list({"createdAt", *fields})).limit(limit)
    with translated_errors():
        return [(snapshot.id, snapshot.to_dict() or {}) for snapshot in query.stream()]
