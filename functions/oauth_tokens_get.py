"""A connection's metadata by provider and user, the token masked (seed: getOAuthToken).

Trigger: callable
Input: OAuthTokenQuery   Output: OAuthConnectionPublic
Errors: unauthenticated, invalid-argument, permission-denied (members), not-found
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.oauth import OAuthTokenQuery
from shared.oauth.tokens import get_token


@rejects_malformed_json
@https_fn.on_call()
def oauth_tokens_get(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, OAuthTokenQuery, get_token)
