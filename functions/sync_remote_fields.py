"""The CRM's contact fields (HubSpot's properties API, Salesforce's describe): name, label, type.

Trigger: callable
Input: SyncRemoteFieldsQuery   Output: RemoteFieldList
Errors: unauthenticated, invalid-argument (integrationId), not-found, unavailable (the CRM did not answer),
    permission-denied (members)
Idempotency: none: read-only (one audited call to the CRM)
Writes: teams/{teamId}/integrationLogs (the audit record)
"""

from typing import Any

from firebase_functions import https_fn

from shared.callables import rejects_malformed_json, serve
from shared.models.sync import SyncRemoteFieldsQuery
from shared.sync.service import remote_fields


@rejects_malformed_json
@https_fn.on_call()
def sync_remote_fields(request: https_fn.CallableRequest[Any]) -> Any:
    return serve(request, SyncRemoteFieldsQuery, remote_fields)
