"""Test an integration for real: one call to the service through the outbound client (audited).

Trigger: callable
Input: IntegrationRef   Output: TestResult (success, message, statusCode, durationMs); a failed
    test is a result, not an error
Errors: unauthenticated, invalid-argument, permission-denied (admins), not-found
Idempotency: none: each call sends one test request
Writes: teams/{teamId}/integrations/{id} (lastTestedAt, lastTestResult, status),
    teams/{teamId}/integrationLogs/{id}
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.integrations.connection_test import run_connection_test
from shared.models.integrations import IntegrationRef


@rejects_malformed_json
@https_fn.on_call()
def integrations_test(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, IntegrationRef, run_connection_test)
