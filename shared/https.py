"""The plain-HTTPS transport (webhooks, Zapier REST hooks): JSON answers and errors in one shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Request, Response

from shared import errors


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def error_response(
    error: errors.AppError, status: int | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    """`{"error": {...}}` as the callable protocol shapes it, with the code's HTTP status unless given."""
    return json_response({"error": errors.to_wire(error)}, status or errors.http_status(error), headers)


def read_body(request: Request, max_bytes: int) -> bytes | None:
    """The raw body, or None when it is larger than `max_bytes`, declared or actual: read in chunks and
    given up as soon as it passes the limit (a chunked body declares no length)."""
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := request.stream.read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
