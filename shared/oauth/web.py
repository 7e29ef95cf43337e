"""The HTTPS transport of `oauth_authorize` and `oauth_callback`: the request in, a redirect or an error
page out, and the browser's bindings cookie set or cleared."""

from __future__ import annotations

from collections.abc import Callable

from flask import Request, Response

from shared import log
from shared.oauth.flow import BROWSER_COOKIE, STATE_LIFETIME, WebOutcome, authorize, callback, page_origin
from shared.settings import get_settings


def serve_authorize(request: Request) -> Response:
    def run() -> WebOutcome:
        opened_from = page_origin(request.headers.get("Origin"), request.headers.get("Referer"))
        return authorize(request.args.get("launch", ""), opened_from, request.cookies.get(BROWSER_COOKIE))

    return _serve("oauth_authorize", request, run)


def serve_callback(request: Request) -> Response:
    def run() -> WebOutcome:
        arguments = {name: value for name, value in request.args.items() if isinstance(value, str)}
        return callback(arguments, request.cookies.get(BROWSER_COOKIE))

    return _serve("oauth_callback", request, run)


def _serve(function: str, request: Request, run: Callable[[], WebOutcome]) -> Response:
    with log.bound(function=function):
        if request.method != "GET":
            response = Response("method not allowed: GET only", status=405, mimetype="text/plain")
            response.headers["Allow"] = "GET"
            return response
        try:
            outcome = run()
        except Exception as error:  # noqa: BLE001 - the user gets a page, the stack goes to the log
            log.exception(f"{function} failed", error)
            return Response("The connection could not be completed.", status=500, mimetype="text/plain")
        if outcome.location is not None:
            response = Response(status=outcome.status)
            response.headers["Location"] = outcome.location
        else:
            response = Response(outcome.page or "", status=outcome.status, mimetype="text/html")
        if outcome.browser_bindings is not None:
            _set_bindings(response, outcome.browser_bindings)
        # The URL carried a launch token, or a code and a state: keep it out of caches and referrers.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _set_bindings(response: Response, bindings: tuple[str, ...]) -> None:
    """HttpOnly (no script reads it); SameSite=Lax (sent on the provider's top-level redirect to the
    callback, a cross-site GET, and on nothing cross-site that could change state); Secure wherever
    the callback is https; Path=/ because behind a Hosting rewrite the functions' paths are the site's."""
    secure = get_settings().oauth_callback_url.startswith("https://")
    if bindings:
        response.set_cookie(
            BROWSER_COOKIE,
            ".".join(bindings),
            max_age=int(STATE_LIFETIME.total_seconds()),
            path="/",
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(BROWSER_COOKIE, path="/", secure=secure, httponly=True, samesite="Lax")
