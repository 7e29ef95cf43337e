"""Record, in the audit log, a request a team made to a third party elsewhere (seed: logIntegrationRequest).

Trigger: callable
Input: RequestLogCreate   Output: RequestLogPublic
Errors: unauthenticated, invalid-argument, permission-denied (admins), not-found (integration)
Idempotency: none: each call adds a record
Writes: teams/{teamId}/integrationLogs/{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.request_logs import RequestLogCreate
from shared.request_logs import create_log


@rejects_malformed_json
@https_fn.on_call()
def request_logs_create(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, RequestLogCreate, create_log)
