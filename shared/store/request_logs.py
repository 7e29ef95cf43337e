"""The audit log of outbound requests: `teams/{teamId}/integrationLogs/{id}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.models.request_logs import RequestLogDoc
from shared.store import paths
from shared.store.client import db, from_snapshot, translated_errors


def body(record: RequestLogDoc) -> dict[str, Any]:
    """The stored document (for writers that add it to a batch of their own)."""
    document = record.to_firestore()
    document.pop("teamId", None)
    return document


def add(record: RequestLogDoc) -> str:
    """Write one record under an id of its own; answers the id."""
    ref = db().collection(paths.integration_logs(record.team_id)).document()
    with translated_errors():
        ref.create(body(record))
    record_id: str = ref.id
    return record_id


def put(record: RequestLogDoc) -> None:
    """Write one record under the id it carries (an id derived from what it records)."""
    with translated_errors():
        db().document(paths.integration_log(record.team_id, record.id)).set(body(record))


def _from(snapshot: firestore.DocumentSnapshot[Any], team_id: str) -> RequestLogDoc:
    return from_snapshot(RequestLogDoc, snapshot, teamId=team_id)


def list_page(
    team_id: str,
    integration_id: str,
    limit: int,
    after: tuple[datetime, str] | None,
    success: bool | None,
    since: datetime | None,
) -> list[RequestLogDoc]:
    """Newest first; `after` is the (timestamp, id) of the previous page's last record."""
    collection = db().collection(paths.integration_logs(team_id))
    query: Any = collection.where(filter=FieldFilter("integrationId", "==", integration_id))
    if success is not None:
        query = query.where(filter=FieldFilter("success", "==", success))
    if since is not None:
        query = query.where(filter=FieldFilter("timestamp", ">=", since))
    query = query.order_by("timestamp", direction=firestore.Query.DESCENDING).order_by(
        "__name__", direction=firestore.Query.DESCENDING
    )
    if after is not None:
        timestamp, record_id = after
        query = query.start_after({"timestamp": timestamp, "__name__": collection.document(record_id)})
    with translated_errors():
        return [_from(snapshot, team_id) for snapshot in query.limit(limit).stream()]
