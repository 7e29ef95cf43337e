"""The audit log API: record a request made elsewhere, and read an integration's records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared import errors
from shared.auth import Caller, require_admin, require_member
from shared.models.base import Page
from shared.models.request_logs import RequestLogCreate, RequestLogDoc, RequestLogPublic, RequestLogQuery
from shared.outbound import sanitize_endpoint
from shared.pagination import decode_cursor, page_of
from shared.settings import get_settings
from shared.store import integrations, request_logs


def to_public(doc: RequestLogDoc) -> RequestLogPublic:
    return RequestLogPublic.model_validate(doc.model_dump(exclude={"team_id", "expire_at"}))


def create_log(caller: Caller, data: RequestLogCreate) -> RequestLogPublic:
    require_admin(caller, data.team_id)
    if integrations.get(data.team_id, data.integration_id) is None:
        raise errors.NotFound("integration not found", field="integrationId")
    now = datetime.now(UTC)
    record = RequestLogDoc(
        id="",
        team_id=data.team_id,
        integration_id=data.integration_id,
        method=data.method,
        # Whatever the caller sends, credentials in the URL are not kept.
        endpoint=sanitize_endpoint(data.endpoint),
        status_code=data.status_code,
        duration=data.duration,
        success=data.success,
        error=data.error,
        user_id=caller.uid,
        timestamp=now,
        expire_at=now + timedelta(days=get_settings().audit_retention_days),
    )
    record_id = request_logs.add(record)
    return to_public(record.model_copy(update={"id": record_id}))


def list_logs(caller: Caller, data: RequestLogQuery) -> Page[RequestLogPublic]:
    require_member(caller, data.team_id)
    after = decode_cursor(data.cursor) if data.cursor else None
    docs = request_logs.list_page(
        data.team_id, data.integration_id, data.limit + 1, after, data.success, data.since
    )
    return page_of(docs, data.limit, to_public, lambda doc: (doc.timestamp, doc.id))
