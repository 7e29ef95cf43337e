"""Send the browser that started a connection to the provider, bound to it by a cookie (the launch).

Trigger: https GET ?launch=... (the `authorizationUrl` oauth_start answers; opened by the console page)
Input: query string (the single-use launch token), Origin or Referer (the page that opened it: the
    return URL's origin), the __session cookie (bindings of other flows this browser started)
Output: 302 to the provider's authorization URL with the state, setting the __session cookie
    (HttpOnly, SameSite=Lax, Secure under https) that oauth_callback checks
Errors: none as exceptions: 4xx error pages that change nothing: 400 (no valid launch token),
    403 (not opened from the return URL's origin), 404 (unknown or completed), 405 (not GET),
    409 (already opened), 410 (expired)
Idempotency: a launch opens once (the state's version is a precondition of the write); a second
    opening gets 409 and changes nothing
Writes: oauthStates/{sha256 of state} (launchedAt, browserBindingHash)
"""

from firebase_functions import https_fn
from flask import Request, Response

from shared.oauth.web import serve_authorize


@https_fn.on_request()
def oauth_authorize(request: Request) -> Response:
    return serve_authorize(request)
