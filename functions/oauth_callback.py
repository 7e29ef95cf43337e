"""The provider's redirect: check the state and the browser, exchange the code, store the connection.

Trigger: https GET ?state=...&code=... (or &error=...)
Input: query string, the __session cookie (the browser's bindings, set by oauth_authorize)
Output: 302 to the return URL with status=connected&oauthId=... or status=error&reason=..., removing
    this flow's binding from the cookie; a 400 error page when the state is unknown, reused or expired,
    or when the browser does not hold the flow's binding (another browser: nothing stored)
Errors: none as exceptions: every outcome is a redirect or a page
Idempotency: the state is claimed once, before the browser is checked (a replay, or a refused browser,
    gets the error page and stores nothing; the refused state cannot be completed anywhere after)
Writes: teams/{teamId}/oauthTokens/{id}, secrets/{teamId}/oauthTokens/{id}; deletes oauthStates/{hash}
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.oauth.web import serve_callback


@https_fn.on_request()
def oauth_callback(request: Request) -> Response:
    return serve_callback(request)
