"""Create or replace a team's custom OAuth 2.0 provider; its client secret is sealed, never answered.

Trigger: callable
Input: CustomProviderSet   Output: CustomProviderPublic
Errors: unauthenticated, invalid-argument, permission-denied (admins)
Idempotency: naturally idempotent: the same call twice leaves the same provider
Writes: teams/{teamId}/oauthProviders/{providerId}, secrets/oauthProvider_{teamId}_{providerId}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.oauth import CustomProviderSet
from shared.oauth.providers import set_custom_provider


@rejects_malformed_json
@https_fn.on_call()
def oauth_providers_set(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, CustomProviderSet, set_custom_provider)
