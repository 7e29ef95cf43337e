"""The audit log of outbound requests: `teams/{teamId}/integrationLogs/{id}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.cloud import firestore

from shared.models.request_logs import RequestLogDoc
from shared.store import paths, records
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
    return records.page_newest_first(
        RequestLogDoc,
        paths.integration_logs(team_id),
        {"integrationId": integration_id, "success": success},
        after,
        limit,
        order="timestamp",
        since=since,
        teamId=team_id,
    )
