"""The HTTPS transport of `oauth_callback`: query string in, redirect or error page out."""

from __future__ import annotations

from flask import Request, Response

from shared import log
from shared.oauth.flow import callback


def serve_callback(request: Request) -> Response:
    with log.bound(function="oauth_callback"):
        if request.method != "GET":
            return Response("method not allowed", status=405, mimetype="text/plain")
        arguments = {name: value for name, value in request.args.items() if isinstance(value, str)}
        try:
            outcome = callback(arguments)
        except Exception as error:  # noqa: BLE001 - the user gets a page, the stack goes to the log
            log.exception("oauth callback failed", error)
            return Response("The connection could not be completed.", status=500, mimetype="text/plain")
        if outcome.location is not None:
            response = Response(status=outcome.status)
            response.headers["Location"] = outcome.location
        else:
            response = Response(outcome.page or "", status=outcome.status, mimetype="text/html")
        # The URL carried a code and a state: keep it out of caches and referrers.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
