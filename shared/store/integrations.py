"""Integrations: `teams/{teamId}/integrations/{id}`, and their encrypted secrets under `secrets/`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import errors
from shared.models.integrations import IntegrationCredentialsDoc, IntegrationDoc, IntegrationType
from shared.store import paths, records
from shared.store.client import db, from_snapshot, translated_errors

# Collections whose documents hang off an integration by `integrationId`, removed with it.
DEPENDENT_COLLECTIONS = ("syncConfigs", "eventSubscriptions")
DELETE_BATCH_SIZE = 400


def new_id(team_id: str) -> str:
    integration_id: str = db().collection(paths.integrations(team_id)).document().id
    return integration_id


def _from(snapshot: firestore.DocumentSnapshot[Any], team_id: str) -> IntegrationDoc:
    return from_snapshot(IntegrationDoc, snapshot, teamId=team_id)


def _body(doc: IntegrationDoc) -> dict[str, Any]:
    body = doc.to_firestore()
    body.pop("teamId", None)
    return body


def create(doc: IntegrationDoc, credentials: IntegrationCredentialsDoc | None) -> None:
    batch = db().batch()
    batch.create(db().document(paths.integration(doc.team_id, doc.id)), _body(doc))
    if credentials is not None:
        batch.set(db().document(paths.integration_secrets(doc.team_id, doc.id)), credentials.to_firestore())
    with translated_errors():
        batch.commit()


def get(team_id: str, integration_id: str) -> IntegrationDoc | None:
    with translated_errors():
        snapshot = db().document(paths.integration(team_id, integration_id)).get()
    return _from(snapshot, team_id) if snapshot.exists else None


def get_credentials(team_id: str, integration_id: str) -> IntegrationCredentialsDoc | None:
    with translated_errors():
        snapshot = db().document(paths.integration_secrets(team_id, integration_id)).get()
    return IntegrationCredentialsDoc.model_validate(snapshot.to_dict()) if snapshot.exists else None


def _type_filter(integration_type: IntegrationType | None) -> dict[str, object]:
    return {"type": integration_type.value if integration_type is not None else None}


def list_page(
    team_id: str, integration_type: IntegrationType | None, limit: int, after: tuple[datetime, str] | None
) -> list[IntegrationDoc]:
    return records.page_newest_first(
        IntegrationDoc,
        paths.integrations(team_id),
        _type_filter(integration_type),
        after,
        limit,
        teamId=team_id,
    )


def list_by_updated(
    team_id: str,
    integration_type: IntegrationType | None,
    updated_since: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[IntegrationDoc]:
    """By (updatedAt, id) ascending (records.page_by_updated); `type` is served by the composite index
    (type, updatedAt)."""
    return records.page_by_updated(
        IntegrationDoc,
        paths.integrations(team_id),
        _type_filter(integration_type),
        updated_since,
        after,
        limit,
        teamId=team_id,
    )


Change = Callable[
    [IntegrationDoc, IntegrationCredentialsDoc | None],
    tuple[IntegrationDoc, IntegrationCredentialsDoc | None],
]


def update(team_id: str, integration_id: str, change: Change) -> IntegrationDoc:
    """Apply `change` to the integration and its secrets together, in one transaction."""
    client = db()
    ref = client.document(paths.integration(team_id, integration_id))
    secrets_ref = client.document(paths.integration_secrets(team_id, integration_id))

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> IntegrationDoc:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            raise errors.NotFound("integration not found", field="integrationId")
        secrets_snapshot = secrets_ref.get(transaction=transaction)
        credentials = (
            IntegrationCredentialsDoc.model_validate(secrets_snapshot.to_dict())
            if secrets_snapshot.exists
            else None
        )
        changed, changed_credentials = change(_from(snapshot, team_id), credentials)
        transaction.set(ref, _body(changed))
        if changed_credentials is not None:
            transaction.set(secrets_ref, changed_credentials.to_firestore())
        return changed

    with translated_errors():
        return apply(client.transaction())  # type: ignore[no-any-return]


def record_test(team_id: str, integration_id: str, fields: dict[str, Any]) -> None:
    """Store a test's outcome; a deleted integration is left deleted."""
    try:
        with translated_errors():
            db().document(paths.integration(team_id, integration_id)).update(fields)
    except errors.NotFound:
        pass


def delete(team_id: str, integration_id: str) -> bool:
    """Delete the integration and its secrets; answers whether it existed."""
    ref = db().document(paths.integration(team_id, integration_id))
    with translated_errors():
        existed = ref.get().exists
        batch = db().batch()
        batch.delete(ref)
        batch.delete(db().document(paths.integration_secrets(team_id, integration_id)))
        batch.commit()
    return bool(existed)


def delete_dependents(team_id: str, integration_id: str) -> int:
    """Remove the secrets and everything that names the integration; safe to run any number of times."""
    client = db()
    removed = 0
    with translated_errors():
        client.document(paths.integration_secrets(team_id, integration_id)).delete()
        for name in DEPENDENT_COLLECTIONS:
            query = client.collection(f"{paths.team(team_id)}/{name}").where(
                filter=FieldFilter("integrationId", "==", integration_id)
            )
            while True:
                refs = [snapshot.reference for snapshot in query.limit(DELETE_BATCH_SIZE).stream()]
                if not refs:
                    break
                batch = client.batch()
                for document_ref in refs:
                    batch.delete(document_ref)
                batch.commit()
                removed += len(refs)
    return removed
