"""Revoke a connection: tell the provider where it can be told, delete the tokens, mark it revoked.

Trigger: callable
Input: OAuthConnectionRef   Output: OAuthRevoked (id, status, revokedAtProvider)
Errors: unauthenticated, invalid-argument, permission-denied (admins), not-found
Idempotency: idempotent: revoking again changes nothing and answers `revoked`
Writes: teams/{teamId}/oauthTokens/{id}; deletes secrets/oauth_{teamId}_{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.oauth import OAuthConnectionRef
from shared.oauth.tokens import revoke_token


@rejects_malformed_json
@https_fn.on_call()
def oauth_tokens_revoke(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, OAuthConnectionRef, revoke_token)
