"""When an integration is deleted, remove its secrets, sync configurations and event subscriptions.

Trigger: firestore teams/{teamId}/integrations/{integrationId} deleted
Input: the deleted document's path   Output: none
Errors: none raised for a missing dependent (a redelivery finds nothing and does nothing)
Idempotency: naturally idempotent: deleting what is already gone is a no-op; a recreated integration
    with the same id is left alone
Writes: deletes secrets/integration_{teamId}_{id}, teams/{teamId}/syncConfigs and eventSubscriptions
    naming the integration
"""

from typing import Any

from firebase_functions import firestore_fn

from shared.integrations.service import remove_dependents
from shared.triggers import run_trigger


@firestore_fn.on_document_deleted(document="teams/{teamId}/integrations/{integrationId}")
def on_integration_deleted(event: firestore_fn.Event[Any]) -> None:
    run_trigger(event, lambda params: remove_dependents(params["teamId"], params["integrationId"]))
