"""Call a deployed function object in-process, through the SDK's real callable handler.

The request is a real Werkzeug request carrying the callable protocol, so the SDK's body checks and
ID-token verification (unsigned tokens, emulator mode) run exactly as they do when served.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import firebase_admin
from flask import Flask, Response

from tests.support.tokens import unsigned_id_token

_app = Flask("callable-tests")


@dataclass
class Answer:
    """An HTTP answer: its status and parsed JSON body (callables answer an object; others may not)."""

    status: int
    body: Any

    @property
    def result(self) -> Any:
        assert "result" in self.body, self.body
        return self.body["result"]

    @property
    def error(self) -> dict[str, Any]:
        assert "error" in self.body, self.body
        error: dict[str, Any] = self.body["error"]
        return error


def call_raw(
    function: Callable[..., Response],
    body: bytes | str,
    uid: str | None = None,
    content_type: str = "application/json",
) -> Answer:
    headers = {"Content-Type": content_type}
    if uid is not None:
        project_id = firebase_admin.get_app().project_id
        headers["Authorization"] = f"Bearer {unsigned_id_token(uid, project_id)}"
    with _app.test_request_context("/", method="POST", data=body, headers=headers):
        from flask import request

        response = function(request)
    return Answer(status=response.status_code, body=json.loads(response.get_data()))


def call(function: Callable[..., Response], data: Any, uid: str | None = None) -> Answer:
    return call_raw(function, json.dumps({"data": data}), uid=uid)
