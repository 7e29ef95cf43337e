"""The OAuth redirect endpoints over real HTTP on loopback, and a browser's journey through them.

`FunctionsServer` serves `oauth_authorize` and `oauth_callback` (the deployed function objects, in this
process, against the test's Firestore) under the emulator's path shape `/{project}/{region}/{function}`.
A browser is a `requests.Session`: it keeps the cookie `oauth_authorize` sets and sends it back to the
callback's origin as a browser does, and a second session is a second browser. Redirects are followed
by hand, so a test sees each hop.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from flask import Flask, Response, request
from werkzeug.serving import make_server

from functions import oauth_authorize, oauth_callback

REGION_PATH = "demo-integrations/us-central1"


class FunctionsServer:
    def __init__(self) -> None:
        app = Flask("oauth-functions")
        served: dict[str, Any] = {"oauth_authorize": oauth_authorize, "oauth_callback": oauth_callback}

        @app.route("/<project>/<region>/<name>", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])
        def serve(project: str, region: str, name: str) -> Response:
            if name not in served:
                return Response("not found", status=404)
            response: Response = served[name](request)
            return response

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, function_id: str) -> str:
        return f"{self.origin}/{REGION_PATH}/{function_id}"

    @property
    def callback_url(self) -> str:
        return self.url("oauth_callback")

    def start(self) -> FunctionsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def open_launch(browser: requests.Session, launch_url: str, opened_from: str | None) -> requests.Response:
    """What the console does with `oauth_start`'s answer: navigate there. A cross-origin navigation
    carries the page's origin as `Referer` (the browsers' default policy); None is a link opened from
    mail or chat, or typed: no `Referer`."""
    headers = {"Referer": opened_from} if opened_from is not None else {}
    return browser.get(launch_url, headers=headers, allow_redirects=False, timeout=10)


def consent(browser: requests.Session, provider_url: str) -> str:
    """Consent at the provider: the URL of the callback it redirects to (not opened yet)."""
    answer = browser.get(provider_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


@dataclass
class Landing:
    """Where the callback sent the browser: a redirect to the return URL, or an error page."""

    status: int
    location: str | None
    page: str
    set_cookie: str | None

    @property
    def back(self) -> dict[str, list[str]]:
        assert self.location is not None, self.page
        return parse_qs(urlsplit(self.location).query)


def open_callback(browser: requests.Session, callback_url: str) -> Landing:
    answer = browser.get(callback_url, allow_redirects=False, timeout=30)
    return Landing(
        answer.status_code, answer.headers.get("Location"), answer.text, answer.headers.get("Set-Cookie")
    )
