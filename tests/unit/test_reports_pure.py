"""The CSV of a report's rows (escaping, the formula guard) and report inputs, without Firestore."""

from __future__ import annotations

import csv
import io

import pydantic
import pytest

from shared.models.reports import ReportCreate, ReportFilters, ReportScheduleSet
from shared.reports import export


def parsed(group_by: str, rows: list[dict[str, object]]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(export.lines(group_by, rows)))))


def test_each_row_is_one_line_and_the_csv_module_escapes_what_it_must() -> None:
    rows: list[dict[str, object]] = [
        {"assignee": 'a "quoted", comma', "value": 2},
        {"assignee": "line\nbreak", "value": 1.5},
        {"assignee": None, "value": 3},
    ]

    lines = list(export.lines("assignee", rows))

    assert len(lines) == 4
    assert parsed("assignee", rows) == [
        ["assignee", "value"],
        ['a "quoted", comma', "2"],
        ["line\nbreak", "1.5"],
        ["", "3"],
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_a_spreadsheet_would_run_is_prefixed_with_a_quote(start: str) -> None:
    value = f'{start}HYPERLINK("http://x")'
    assert parsed("assignee", [{"assignee": value, "value": 1}])[1] == ["'" + value, "1"]


def test_numbers_are_written_as_they_are() -> None:
    assert parsed("day", [{"day": "2027-01-01", "value": -1.25}])[1] == ["2027-01-01", "-1.25"]


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (ReportCreate, {"name": "r", "metric": "ticket_count", "groupBy": "status", "extra": 1}),
        (ReportFilters, {"createdFrom": "2027-01-02T00:00:00Z", "createdTo": "2027-01-02T00:00:00Z"}),
        (ReportFilters, {"createdFrom": "2027-01-02T00:00:00"}),
        (ReportScheduleSet, {"frequency": 3_599_999}),
        (ReportScheduleSet, {"frequency": 60.5}),
    ],
)
def test_bad_report_inputs_are_refused(model: type[pydantic.BaseModel], data: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        model.model_validate(data)
