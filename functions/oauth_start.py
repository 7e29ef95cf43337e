"""Begin connecting an OAuth provider: answers the launch URL that sends this browser to the provider.

Trigger: callable
Input: OAuthStart   Output: OAuthStarted (authorizationUrl: oauth_authorize?launch=..., single use,
    to be opened by the console page at once; stateExpiresAt)
Errors: unauthenticated, invalid-argument (returnUrl not allowed), permission-denied (admins),
    not-found (custom provider, integration), failed-precondition (no client configured, or
    OAUTH_AUTHORIZE_URL not on the callback's origin)
Idempotency: none: each call makes a new single-use state (10 minutes)
Writes: oauthStates/{sha256 of state}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.oauth import OAuthStart
from shared.oauth.flow import start


@rejects_malformed_json
@https_fn.on_call()
def oauth_start(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, OAuthStart, start)
