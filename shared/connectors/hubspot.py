"""HubSpot's CRM v3 contacts API, as the sync engine uses it (public REST shapes, through `outbound`).

Search is for increments (filter `lastmodifieddate`, sorted ascending, `after` paging; it stops at 10,000
results and allows about 4 requests per second per token); the list endpoint (`after` paging) backfills
and lists archived contacts; batch endpoints take at most 100 inputs; `batch/upsert` with
`idProperty=email` creates or updates by email, so a retried create never duplicates a contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.connectors.crm import CrmError, CrmSession

CONTACTS = "/crm/v3/objects/contacts"
BATCH_LIMIT = 100
SEARCH_PAGE = 100
# HubSpot's search answers HTTP 400 past this many results: the caller restarts from its cursor.
SEARCH_CAP = 10_000
SEARCHES_PER_SECOND = 4.0
# What every read asks for besides the mapped properties.
BOOKKEEPING = ("lastmodifieddate", "hs_object_id", "hs_merged_object_ids", "email")


@dataclass(frozen=True)
class Contact:
    id: str
    properties: dict[str, Any]
    modified_at: datetime
    archived: bool = False
    archived_at: datetime | None = None
    # Ids merged into this one (HubSpot's `hs_merged_object_ids`): links to them move here.
    merged_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page:
    contacts: list[Contact]
    after: str | None


def session_throttles() -> dict[str, float]:
    return {"search": SEARCHES_PER_SECOND}


def parse_time(value: Any) -> datetime:
    """HubSpot's times: ISO-8601 text (`2026-11-29T18:00:00.123Z`) or epoch milliseconds as text."""
    if isinstance(value, str) and value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return datetime.fromtimestamp(0, UTC)


_EPOCH = datetime.fromtimestamp(0, UTC)


def milliseconds(moment: datetime) -> int:
    """Epoch milliseconds, rounded down. In integers: `timestamp() * 1000` in floats loses a millisecond
    now and then (`2039-02-20T21:45:21.312Z` comes out as ...311), and a cursor must read back exactly."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _contact(result: dict[str, Any]) -> Contact:
    properties = dict(result.get("properties") or {})
    merged = str(properties.get("hs_merged_object_ids") or "")
    archived_at = result.get("archivedAt")
    return Contact(
        id=str(result["id"]),
        properties=properties,
        modified_at=parse_time(properties.get("lastmodifieddate") or result.get("updatedAt")),
        archived=bool(result.get("archived")),
        archived_at=parse_time(archived_at) if archived_at else None,
        merged_ids=tuple(part for part in merged.split(";") if part),
    )


def _page(answer: Any) -> Page:
    if not isinstance(answer, dict):
        raise CrmError("HubSpot answered an unexpected shape")
    after = ((answer.get("paging") or {}).get("next") or {}).get("after")
    return Page([_contact(result) for result in answer.get("results") or []], str(after) if after else None)


def search_modified(
    session: CrmSession,
    properties: list[str],
    since: datetime,
    after: str | None,
    *,
    at_exactly: datetime | None = None,
    id_above: str | None = None,
) -> Page:
    """Contacts with `lastmodifieddate >= since`, oldest first; or, with `at_exactly`, the contacts of that
    one millisecond with an id above `id_above`, by id (for a cluster of more than 10,000 at one time)."""
    if at_exactly is None:
        filters = [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(milliseconds(since))}]
        sorts = [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    else:
        filters = [
            {"propertyName": "lastmodifieddate", "operator": "EQ", "value": str(milliseconds(at_exactly))}
        ]
        if id_above is not None:
            filters.append({"propertyName": "hs_object_id", "operator": "GT", "value": id_above})
        sorts = [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    body: dict[str, Any] = {
        "filterGroups": [{"filters": filters}],
        "sorts": sorts,
        "properties": sorted({*properties, *BOOKKEEPING}),
        "limit": SEARCH_PAGE,
    }
    if after is not None:
        body["after"] = after
    return _page(session.call("search", "POST", f"{CONTACTS}/search", json=body))


def list_page(
    session: CrmSession, properties: list[str], after: str | None, *, archived: bool = False
) -> Page:
    """One page of the list endpoint (every contact, or the archived ones), by id."""
    query = f"?limit={BATCH_LIMIT}&archived={'true' if archived else 'false'}"
    query += "&properties=" + ",".join(sorted({*properties, *BOOKKEEPING}))
    if after is not None:
        query += f"&after={after}"
    return _page(session.call("list", "GET", CONTACTS + query))


def batch_read(session: CrmSession, ids: list[str], properties: list[str]) -> list[Contact]:
    found: list[Contact] = []
    for start in range(0, len(ids), BATCH_LIMIT):
        body = {
            "properties": sorted({*properties, *BOOKKEEPING}),
            "inputs": [{"id": contact_id} for contact_id in ids[start : start + BATCH_LIMIT]],
        }
        answer = session.call("batch/read", "POST", f"{CONTACTS}/batch/read", json=body, allowed=(207,))
        found.extend(_page(answer).contacts)
    return found


@dataclass(frozen=True)
class WriteResult:
    written: list[Contact]
    # Per input that failed: its index in the request and HubSpot's message (no values).
    failed: list[tuple[int, str]]


def _write(session: CrmSession, kind: str, inputs: list[dict[str, Any]]) -> WriteResult:
    written: list[Contact] = []
    failed: list[tuple[int, str]] = []
    for start in range(0, len(inputs), BATCH_LIMIT):
        chunk = inputs[start : start + BATCH_LIMIT]
        # Update and upsert set the same values again when repeated: safe to retry.
        answer = session.call(kind, "POST", f"{CONTACTS}/{kind}", json={"inputs": chunk}, allowed=(207,))
        if not isinstance(answer, dict):
            raise CrmError(f"{kind}: HubSpot answered an unexpected shape")
        written.extend(_contact(result) for result in answer.get("results") or [])
        for error in answer.get("errors") or []:
            message = str(error.get("category") or error.get("message") or "error")[:100]
            for context_index in _failed_indexes(error, chunk):
                failed.append((start + context_index, message))
    return WriteResult(written, failed)


def _failed_indexes(error: dict[str, Any], chunk: list[dict[str, Any]]) -> list[int]:
    """Which inputs an error of a 207 answer names (by id or email in its `context`)."""
    named = {str(value) for values in (error.get("context") or {}).values() for value in values or []}
    return [index for index, item in enumerate(chunk) if str(item.get("id")) in named] or [0]


def batch_update(session: CrmSession, updates: dict[str, dict[str, Any]]) -> WriteResult:
    return _write(
        session, "batch/update", [{"id": key, "properties": value} for key, value in updates.items()]
    )


def batch_upsert_by_email(session: CrmSession, records: list[tuple[str, dict[str, Any]]]) -> WriteResult:
    """Create or update by email: HubSpot keeps one contact per email, so a repeat creates nothing."""
    inputs = [{"idProperty": "email", "id": email, "properties": properties} for email, properties in records]
    return _write(session, "batch/upsert", inputs)


def contact_properties(session: CrmSession) -> list[dict[str, Any]]:
    """The contact object's properties: name, label, type."""
    answer = session.call("properties", "GET", "/crm/v3/properties/contacts")
    results = answer.get("results") if isinstance(answer, dict) else None
    return [item for item in results or [] if isinstance(item, dict) and isinstance(item.get("name"), str)]
