"""The plain-HTTPS transport (webhooks, Zapier REST hooks): JSON answers and errors in one shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response

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
