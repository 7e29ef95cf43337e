"""The provider's redirect: check the state, exchange the code, store the connection, send the user back.

Trigger: https GET ?state=...&code=... (or &error=...)
Input: query string   Output: 302 to the return URL with status=connected&oauthId=... or
    status=error&reason=...; a 400 error page when the state is unknown, reused or expired
Errors: none as exceptions: every outcome is a redirect or a page
Idempotency: the state is claimed once (a replay gets the error page and stores nothing)
Writes: teams/{teamId}/oauthTokens/{id}, secrets/oauth_{teamId}_{id}; deletes oauthStates/{hash}
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.oauth.web import serve_callback


@https_fn.on_request()
def oauth_callback(request: Request) -> Response:
    return serve_callback(request)
