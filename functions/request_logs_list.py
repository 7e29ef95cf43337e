"""An integration's audit records, newest first, by success and time (seed: getIntegrationRequestLogs).

Trigger: callable
Input: RequestLogQuery   Output: Page[RequestLogPublic] ({"items": [...], "nextCursor": ...})
Errors: unauthenticated, invalid-argument, permission-denied (members)
Idempotency: none: read-only
Writes: nothing
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.request_logs import RequestLogQuery
from shared.request_logs import list_logs


@rejects_malformed_json
@https_fn.on_call()
def request_logs_list(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, RequestLogQuery, list_logs)
