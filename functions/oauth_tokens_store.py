"""Store a token obtained elsewhere, sealed like one from the flow (seed: storeOAuthToken).

Trigger: callable
Input: OAuthTokenStore   Output: OAuthConnectionPublic (tokens masked)
Errors: unauthenticated, invalid-argument, permission-denied (admins), not-found (custom provider)
Idempotency: naturally idempotent: one connection per provider and user, replaced
Writes: teams/{teamId}/oauthTokens/{id}, secrets/oauth_{teamId}_{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.oauth import OAuthTokenStore
from shared.oauth.tokens import store_token


@rejects_malformed_json
@https_fn.on_call()
def oauth_tokens_store(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, OAuthTokenStore, store_token)
