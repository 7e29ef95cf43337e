"""A team's integrations, newest first, optionally of one type, one page at a time.

Trigger: callable
Input: IntegrationListQuery   Output: Page[IntegrationPublic] ({"items": [...], "nextCursor": ...})
Errors: unauthenticated, invalid-argument, permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.integrations.service import list_integrations
from shared.models.integrations import IntegrationListQuery


@rejects_malformed_json
@https_fn.on_call()
def integrations_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, IntegrationListQuery, list_integrations)
