"""Reports: definitions over the team's tickets (`teams/{teamId}/reports/{id}`), run by the public API
and on a schedule."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, model_validator

from shared.models.base import (
    Cursor,
    DocumentId,
    InputModel,
    ListLimit,
    Name,
    PublicModel,
    StoredModel,
    TeamId,
    Timestamp,
    not_null,
    requires_a_change,
)
from shared.models.helpdesk import TicketStatus


class Metric(StrEnum):
    TICKET_COUNT = "ticket_count"
    FIRST_RESPONSE_TIME = "first_response_time"
    RESOLUTION_TIME = "resolution_time"


class GroupBy(StrEnum):
    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNEE = "assignee"
    DAY = "day"
    WEEK = "week"


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


# The shortest period a schedule runs on (an hour) and the longest (31 days), in milliseconds.
MIN_FREQUENCY_MS = 3_600_000
MAX_FREQUENCY_MS = 31 * 24 * 3_600_000
Frequency = Annotated[int, Field(ge=MIN_FREQUENCY_MS, le=MAX_FREQUENCY_MS)]


class ReportFilters(InputModel):
    """Which tickets a report reads: every filter given must hold (`createdTo` is exclusive)."""

    status: Annotated[TicketStatus, Strict(False)] | None = None
    priority: Annotated[TicketPriority, Strict(False)] | None = None
    assignee_id: DocumentId | None = None
    created_from: Timestamp | None = None
    created_to: Timestamp | None = None

    @model_validator(mode="after")
    def _a_range_that_holds_something(self) -> ReportFilters:
        if (
            self.created_from is not None
            and self.created_to is not None
            and self.created_to <= self.created_from
        ):
            raise ValueError("createdTo must be later than createdFrom")
        return self


class ReportSchedule(StoredModel):
    """When a scheduled report runs next and ran last."""

    frequency: int
    next_run_at: datetime
    last_run_at: datetime | None = None


class ReportDoc(StoredModel):
    """`teams/{teamId}/reports/{id}`. `scheduled` mirrors `schedule is not None` for the due query's
    index (scheduled, schedule.nextRunAt)."""

    id: str
    name: str
    metric: Metric
    group_by: GroupBy
    filters: dict[str, Any] = Field(default_factory=dict)
    schedule: ReportSchedule | None = None
    scheduled: bool = False
    created_at: datetime
    updated_at: datetime

    def report_filters(self) -> ReportFilters:
        return ReportFilters.model_validate(self.filters)


class ReportCreate(InputModel):
    """`POST /v1/reports`."""

    name: Name
    metric: Annotated[Metric, Strict(False)]
    group_by: Annotated[GroupBy, Strict(False)]
    filters: ReportFilters = Field(default_factory=ReportFilters)


class ReportUpdate(InputModel):
    """`PATCH /v1/reports/{id}`: absent leaves a field as is; `filters` replaces the filters whole."""

    name: Name | None = None
    metric: Annotated[Metric, Strict(False)] | None = None
    group_by: Annotated[GroupBy, Strict(False)] | None = None
    filters: ReportFilters | None = None

    _not_null = not_null("name", "metric", "group_by", "filters")
    _requires_a_change = requires_a_change()


class ReportScheduleSet(InputModel):
    """`POST /v1/reports/{id}/schedule`: run every `frequency` ms (1 hour to 31 days), first one period
    from now."""

    frequency: Frequency


class ReportListQuery(InputModel):
    """`GET /v1/reports` query parameters."""

    limit: ListLimit = 50
    cursor: Cursor | None = None
    updated_since: Timestamp | None = None


class ReportExportQuery(InputModel):
    """`GET /v1/reports/{id}/export` query parameters: CSV is the one format."""

    format: Literal["csv"] = "csv"


class ReportSchedulePublic(PublicModel):
    frequency: int
    next_run_at: datetime
    last_run_at: datetime | None = None


class ReportPublic(PublicModel):
    id: str
    name: str
    metric: Metric
    group_by: GroupBy
    filters: dict[str, Any]
    schedule: ReportSchedulePublic | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: ReportDoc) -> ReportPublic:
        return cls.model_validate(
            {
                **doc.model_dump(include=set(cls.model_fields) - {"filters", "schedule"}),
                "filters": doc.report_filters().model_dump(mode="json", by_alias=True, exclude_none=True),
                "schedule": doc.schedule.model_dump() if doc.schedule is not None else None,
            }
        )


class ReportTask(InputModel):
    """`taskRunReport`: run one scheduled report for the slot it was due in."""

    team_id: TeamId
    report_id: DocumentId
    scheduled_for: Timestamp


class ReportRows(PublicModel):
    """`POST /v1/reports/{id}/execute`: each row the group's value under the `groupBy` name and the
    metric under `value`."""

    rows: list[dict[str, Any]]
