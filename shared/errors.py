"""One error tree for the whole product, with the Firebase callable error vocabulary.

Code raises an `AppError` subclass; each transport maps it once: `to_https_error` for callables,
`http_status` and `to_wire` for plain HTTPS endpoints. Anything that is not an `AppError` is answered as
`internal` with no details (and logged with its stack by the transport).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

import pydantic
from firebase_functions import https_fn


class ErrorCode(StrEnum):
    INVALID_ARGUMENT = "invalid-argument"
    NOT_FOUND = "not-found"
    ALREADY_EXISTS = "already-exists"
    PERMISSION_DENIED = "permission-denied"
    UNAUTHENTICATED = "unauthenticated"
    FAILED_PRECONDITION = "failed-precondition"
    ABORTED = "aborted"
    RESOURCE_EXHAUSTED = "resource-exhausted"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


# HTTP status and canonical gRPC name per code, as the callable protocol answers them.
_HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_ARGUMENT: 400,
    ErrorCode.FAILED_PRECONDITION: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.ALREADY_EXISTS: 409,
    ErrorCode.ABORTED: 409,
    ErrorCode.RESOURCE_EXHAUSTED: 429,
    ErrorCode.INTERNAL: 500,
    ErrorCode.UNAVAILABLE: 503,
}


class AppError(Exception):
    """An error a caller may see: a code, a message without secrets, optional structured details."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        if field is not None:
            self.details.setdefault("field", field)

    @property
    def field(self) -> str | None:
        value = self.details.get("field")
        return value if isinstance(value, str) else None


class InvalidArgument(AppError):
    code = ErrorCode.INVALID_ARGUMENT


class NotFound(AppError):
    code = ErrorCode.NOT_FOUND


class AlreadyExists(AppError):
    code = ErrorCode.ALREADY_EXISTS


class PermissionDenied(AppError):
    code = ErrorCode.PERMISSION_DENIED


class Unauthenticated(AppError):
    code = ErrorCode.UNAUTHENTICATED


class FailedPrecondition(AppError):
    code = ErrorCode.FAILED_PRECONDITION


class Aborted(AppError):
    code = ErrorCode.ABORTED


class ResourceExhausted(AppError):
    code = ErrorCode.RESOURCE_EXHAUSTED


class Unavailable(AppError):
    code = ErrorCode.UNAVAILABLE


class Internal(AppError):
    code = ErrorCode.INTERNAL


def field_path(location: tuple[int | str, ...]) -> str:
    """`("rateLimit", "requests")` -> `rateLimit.requests`; `("scopes", 2)` -> `scopes[2]`."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def from_validation_error(error: pydantic.ValidationError) -> InvalidArgument:
    """The first problem names the field; all problems are listed (never with the input values)."""
    problems = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        # A union's member name (`function-after[...]`, a tag) is noise in a field path.
        location = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
        reason = item["msg"].removeprefix("Value error, ")
        problems.append({"field": field_path(location) or "data", "reason": reason})
    first = problems[0] if problems else {"field": "data", "reason": "invalid input"}
    return InvalidArgument(
        f"{first['field']}: {first['reason']}",
        details={"field": first["field"], "reason": first["reason"], "errors": problems},
    )


def http_status(error: AppError) -> int:
    return _HTTP_STATUS[error.code]


def to_wire(error: AppError) -> dict[str, Any]:
    """The `error` object of the callable protocol, also used by plain HTTPS endpoints."""
    body: dict[str, Any] = {
        "status": error.code.name,
        "message": error.message,
    }
    if error.details:
        body["details"] = error.details
    return body


def to_https_error(error: AppError) -> https_fn.HttpsError:
    return https_fn.HttpsError(
        https_fn.FunctionsErrorCode(error.code.value),
        error.message,
        error.details or None,
    )
