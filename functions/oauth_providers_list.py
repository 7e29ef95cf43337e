"""A team's custom OAuth providers (never their client secrets).

Trigger: callable
Input: CustomProviderListQuery   Output: CustomProviderList ({"items": [...]})
Errors: unauthenticated, invalid-argument, permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.oauth import CustomProviderListQuery
from shared.oauth.providers import list_custom_providers


@rejects_malformed_json
@https_fn.on_call()
def oauth_providers_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, CustomProviderListQuery, list_custom_providers)
