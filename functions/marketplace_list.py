"""List the marketplace catalogue: the services a team can connect, optionally by category or type.

Trigger: callable (no sign-in needed: the catalogue is the same for everyone)
Input: MarketplaceQuery   Output: MarketplaceList (items: MarketplaceItem, sorted by name)
Errors: invalid-argument
Idempotency: none: read-only
Writes: nothing (reads shared/marketplace/catalogue.json, once per instance)
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve_public
from shared.marketplace import list_items
from shared.models.marketplace import MarketplaceQuery


@rejects_malformed_json
@https_fn.on_call()
def marketplace_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve_public(request, MarketplaceQuery, list_items)
