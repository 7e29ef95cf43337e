"""A report's rows as CSV (RFC 4180 by the csv module), streamed a line at a time.

The header is the group's name and `value`. A text cell starting with `=`, `+`, `-`, `@` (or a tab
or carriage return) is prefixed with `'`, so a spreadsheet shows a group's value (a ticket's status,
an assignee's id) as text rather than running it as a formula (OWASP's CSV injection advice). Numbers
are ours and written as they are; a null group (unassigned) is an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

CONTENT_TYPE = "text/csv"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def lines(group_by: str, rows: Sequence[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for record in [[group_by, "value"], *([cell(row[group_by]), row["value"]] for row in rows)]:
        writer.writerow(record)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
