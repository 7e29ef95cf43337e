"""Structured logging: one JSON line per event with `severity`, `message` and the bound context.

Context (function, teamId, uid, request id...) is bound per request through a ContextVar, because a
2nd-gen instance serves several requests at once on threads. Cloud Logging reads `severity` and
`message` from the JSON line; everything else becomes `jsonPayload` fields.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import sys
import threading
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("log_context", default={})  # noqa: B039
_write_lock = threading.Lock()
_stream: TextIO | None = None


def function_name(default: str) -> str:
    """The deployed function serving this process (set by functions-framework and Cloud Run)."""
    return os.environ.get("FUNCTION_TARGET") or os.environ.get("K_SERVICE") or default


def set_stream(stream: TextIO | None) -> None:
    """Send log lines to `stream` (tests capture them); None restores stdout."""
    global _stream
    _stream = stream


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add fields to every log line written inside the block (and inside nothing else)."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current context from here on (used once the caller is known)."""
    _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})


def _emit(severity: str, message: str, fields: dict[str, Any]) -> None:
    entry = {
        "severity": severity,
        "message": message,
        "time": datetime.now(UTC).isoformat(),
        **_context.get(),
        **fields,
    }
    line = json.dumps(entry, default=str, separators=(",", ":"))
    stream = _stream or sys.stdout
    with _write_lock:
        stream.write(line + "\n")
        stream.flush()


def debug(message: str, **fields: Any) -> None:
    _emit("DEBUG", message, fields)


def info(message: str, **fields: Any) -> None:
    _emit("INFO", message, fields)


def warning(message: str, **fields: Any) -> None:
    _emit("WARNING", message, fields)


def error(message: str, **fields: Any) -> None:
    _emit("ERROR", message, fields)


def exception(message: str, error: BaseException, **fields: Any) -> None:
    """An ERROR line with the stack, for failures nobody expected."""
    stack = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    _emit("ERROR", message, {"errorType": type(error).__name__, "stack_trace": stack, **fields})
