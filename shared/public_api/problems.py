"""Errors as RFC 9457 problem details (`application/problem+json`).

Every error answer is `{"type", "title", "status", "detail", "code"}` plus, for bad input, `errors`:
a list of `{"pointer", "detail"}`. A pointer that starts with `/` is an RFC 6901 JSON pointer into the
request's JSON body (`/email`; `""` is the whole body); `#/query/<name>`, `#/path/<name>` and
`#/headers/<name>` name a query parameter, a path parameter and a header. A JSON pointer never starts
with `#`, so the two forms cannot be confused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pydantic

from shared import errors

PROBLEM_TYPE_BASE = "https://docs.integrations.dev/problems/"
PROBLEM_JSON = "application/problem+json"

# The title of each status, as HTTP names it: the same for every occurrence of the problem type.
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class FieldProblem:
    pointer: str
    detail: str


@dataclass
class Problem(Exception):
    """An answer with an error: raised anywhere in the pipeline, answered by the transport."""

    status: int
    code: str
    detail: str
    errors: Sequence[FieldProblem] = ()
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": _TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if self.errors:
            body["errors"] = [{"pointer": item.pointer, "detail": item.detail} for item in self.errors]
        return body


def body_pointer(location: Sequence[int | str]) -> str:
    """`("tags", 2)` -> `/tags/2`, escaped as RFC 6901 says (`~` -> `~0`, `/` -> `~1`)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in location)


def invalid(detail: str, pointer: str) -> Problem:
    return Problem(400, "invalid-request", detail, [FieldProblem(pointer, detail)])


def from_validation_error(error: pydantic.ValidationError, where: str) -> Problem:
    """Every problem pydantic found, with its pointer (`where` is "body", "query" or "path"), never the
    input's values."""
    found = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        # A union's member name (`function-after[...]`, a tag) is noise in a pointer.
        location = [part for part in item["loc"] if not (isinstance(part, str) and "[" in part)]
        reason = item["msg"].removeprefix("Value error, ")
        pointer = body_pointer(location) if where == "body" else f"#/{where}{body_pointer(location)}"
        found.append(FieldProblem(pointer, reason))
    first = found[0] if found else FieldProblem("", "invalid input")
    place = first.pointer or "the body"
    return Problem(400, "invalid-request", f"{place}: {first.detail}", found)


def from_app_error(error: errors.AppError) -> Problem:
    """An error of the product's tree (a store refusing, the database unavailable) as a problem; where
    it names a field, the handler that knows where the field was raises `invalid` instead."""
    return Problem(errors.http_status(error), error.code.value, error.message)
