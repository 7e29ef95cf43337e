"""Store a token refreshed elsewhere (`newToken`), or refresh at the provider now (seed: refreshOAuthToken).

Trigger: callable
Input: OAuthTokenRefresh   Output: OAuthConnectionPublic
Errors: unauthenticated, invalid-argument, permission-denied (admins), not-found,
    failed-precondition (needs reauthorization, no refresh token), unavailable (the provider failed)
Idempotency: concurrent refreshes of one connection make one call to the provider (a lease)
Writes: teams/{teamId}/oauthTokens/{id}, secrets/oauth_{teamId}_{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.oauth import OAuthTokenRefresh
from shared.oauth.tokens import refresh_token


@rejects_malformed_json
@https_fn.on_call()
def oauth_tokens_refresh(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, OAuthTokenRefresh, refresh_token)
