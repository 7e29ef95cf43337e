"""Team-defined REST endpoints: `teams/{teamId}/restEndpoints/{endpointId}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.cloud import firestore

from shared.models.public_api import RestEndpointDoc
from shared.store import paths, records
from shared.store.client import db, from_snapshot, translated_errors


def _from(snapshot: firestore.DocumentSnapshot[Any], team_id: str) -> RestEndpointDoc:
    return from_snapshot(RestEndpointDoc, snapshot, teamId=team_id)


def create(doc: RestEndpointDoc) -> None:
    """`create()`: of two creates of one id, the second raises AlreadyExists."""
    body = doc.to_firestore()
    body.pop("teamId", None)
    with translated_errors():
        db().document(paths.rest_endpoint(doc.team_id, doc.id)).create(body)


def get(team_id: str, endpoint_id: str) -> RestEndpointDoc | None:
    with translated_errors():
        snapshot = db().document(paths.rest_endpoint(team_id, endpoint_id)).get()
    return _from(snapshot, team_id) if snapshot.exists else None


def get_many(team_id: str, endpoint_ids: list[str]) -> list[RestEndpointDoc]:
    """The ones that exist, in one round trip (records.get_many)."""
    found = records.get_many(paths.rest_endpoints(team_id), endpoint_ids)
    return [RestEndpointDoc.model_validate({**record, "teamId": team_id}) for record in found.values()]


def list_enabled_page(team_id: str, limit: int, after: tuple[datetime, str] | None) -> list[RestEndpointDoc]:
    """Enabled endpoints, newest first (a composite index: enabled, createdAt desc, __name__ desc)."""
    return records.page_newest_first(
        RestEndpointDoc, paths.rest_endpoints(team_id), {"enabled": True}, after, limit, teamId=team_id
    )


def delete(team_id: str, endpoint_id: str) -> bool:
    """Answers whether it existed (a read first: delete() itself does not say)."""
    ref = db().document(paths.rest_endpoint(team_id, endpoint_id))
    with translated_errors():
        existed = ref.get().exists
        ref.delete()
    return bool(existed)
