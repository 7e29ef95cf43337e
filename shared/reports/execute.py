"""Execute a report: its rows, `{<groupBy>: <group's value>, "value": <metric>}`, from the team's tickets.

Two methods. `ticket_count` grouped by `status` or `priority` is one Firestore aggregation query
(`count()`) per known value of the group (the four statuses, the four priorities): no ticket is read,
whatever their number, and every known value has its row, zeros included; a ticket whose priority is
none of the four is not counted there. Everything else is a bounded scan: the matching tickets by
(createdAt, id), 500 a page, only the fields the report needs (`select()`), at most `MAX_TICKETS`; a
report that matches more is refused (`TooLarge`) rather than answered late or partly.

Times are in seconds, the mean over the group's tickets that have the field the metric needs
(`firstResponseAt` for `first_response_time`, `resolvedAt` for `resolution_time`): tickets without it
are left out of that metric, and a group none of whose tickets has it has no row. `day` and `week`
group by `createdAt` in UTC (`2027-03-14`, ISO weeks `2027-W11`). Rows are ordered by the group's
value: statuses and priorities in their own order, assignees by id with the unassigned (null) last,
days and weeks ascending.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from shared import errors
from shared.models.helpdesk import TicketStatus
from shared.models.reports import GroupBy, Metric, ReportDoc, ReportFilters, TicketPriority
from shared.store import reports as store

MAX_TICKETS = 10_000
PAGE_SIZE = 500

# The ticket field a metric measures to, from `createdAt`.
_MEASURED_TO = {Metric.FIRST_RESPONSE_TIME: "firstResponseAt", Metric.RESOLUTION_TIME: "resolvedAt"}
# The ticket field a group reads, and its default when a ticket lacks it (TicketDoc's defaults).
_GROUP_FIELD = {
    GroupBy.STATUS: ("status", TicketStatus.OPEN.value),
    GroupBy.PRIORITY: ("priority", TicketPriority.NORMAL.value),
    GroupBy.ASSIGNEE: ("assigneeId", None),
    GroupBy.DAY: ("createdAt", None),
    GroupBy.WEEK: ("createdAt", None),
}
_KNOWN: dict[GroupBy, list[str]] = {
    GroupBy.STATUS: [status.value for status in TicketStatus],
    GroupBy.PRIORITY: [priority.value for priority in TicketPriority],
}

Row = dict[str, Any]


class TooLarge(errors.FailedPrecondition):
    """More tickets match than one execution reads."""


def execute(team_id: str, report: ReportDoc) -> list[Row]:
    filters = report.report_filters()
    if report.metric is Metric.TICKET_COUNT and report.group_by in _KNOWN:
        return _counted(team_id, report.group_by, filters)
    return _scanned(team_id, report.metric, report.group_by, filters)


def _counted(team_id: str, group_by: GroupBy, filters: ReportFilters) -> list[Row]:
    field, _ = _GROUP_FIELD[group_by]
    chosen: StrEnum | None = filters.status if group_by is GroupBy.STATUS else filters.priority
    # A filter on the grouped field leaves one group: the others would count nothing.
    values = [chosen.value] if chosen is not None else _KNOWN[group_by]
    return [
        {group_by.value: value, "value": store.count_tickets(team_id, filters, {field: value})}
        for value in values
    ]


def _group_of(group_by: GroupBy) -> Callable[[dict[str, Any]], Any]:
    field, default = _GROUP_FIELD[group_by]
    if group_by is GroupBy.DAY:
        return lambda ticket: ticket["createdAt"].astimezone(UTC).date().isoformat()
    if group_by is GroupBy.WEEK:

        def week(ticket: dict[str, Any]) -> str:
            year, number, _ = ticket["createdAt"].astimezone(UTC).isocalendar()
            return f"{year}-W{number:02d}"

        return week
    return lambda ticket: ticket.get(field, default)


def _scanned(team_id: str, metric: Metric, group_by: GroupBy, filters: ReportFilters) -> list[Row]:
    measured_to = _MEASURED_TO.get(metric)
    fields = [_GROUP_FIELD[group_by][0], *([measured_to] if measured_to else [])]
    group_of = _group_of(group_by)
    counts: dict[Any, int] = defaultdict(int)
    durations: dict[Any, list[float]] = defaultdict(list)
    read = 0
    after: tuple[datetime, str] | None = None
    while True:
        # One more than the bound, to know whether the bound was passed.
        page = store.ticket_page(team_id, filters, fields, after, min(PAGE_SIZE, MAX_TICKETS + 1 - read))
        read += len(page)
        if read > MAX_TICKETS:
            raise TooLarge(
                f"report too large: it matches more than {MAX_TICKETS} tickets; narrow its filters"
            )
        for _, ticket in page:
            if not isinstance(ticket.get("createdAt"), datetime):
                continue
            group = group_of(ticket)
            if measured_to is None:
                counts[group] += 1
                continue
            end = ticket.get(measured_to)
            if isinstance(end, datetime):
                durations[group].append((end - ticket["createdAt"]).total_seconds())
        if len(page) < PAGE_SIZE:
            break
        ticket_id, last = page[-1]
        after = (last["createdAt"], ticket_id)
    values: dict[Any, float] = (
        dict(counts) if measured_to is None else {group: _mean(found) for group, found in durations.items()}
    )
    return [{group_by.value: group, "value": values[group]} for group in sorted(values, key=_order(group_by))]


def _mean(durations: list[float]) -> float:
    return round(sum(durations) / len(durations), 3)


def _order(group_by: GroupBy) -> Callable[[Any], tuple[int, int, str]]:
    known = _KNOWN.get(group_by, [])

    def key(value: Any) -> tuple[int, int, str]:
        rank = known.index(value) if value in known else len(known)
        return (rank, value is None, str(value))

    return key
