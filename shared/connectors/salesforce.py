"""Salesforce's REST API for `Contact`, as the sync engine uses it (public REST shapes, through `outbound`).

Reads are SOQL through `queryAll` (it includes deleted rows, `IsDeleted` and `MasterRecordId` tell deletes
and merges), ordered by `SystemModstamp, Id` and paged by `nextRecordsUrl`; writes are sObject
Collections, at most 200 records a call, `allOrNone` false (each record succeeds or fails alone).
Every answer reports the org's rolling 24-hour API usage in `Sforce-Limit-Info: api-usage=used/limit`;
running the org out blocks every user of it, so the engine stops at 80 %.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from shared.connectors.crm import CrmError, CrmSession

API = "/services/data/v60.0"
COLLECTION_LIMIT = 200
QUERY_LIMIT = 2000
# What every read asks for besides the mapped fields.
BOOKKEEPING = ("Id", "SystemModstamp", "IsDeleted", "MasterRecordId", "Email")
# Stop before the org's daily allocation is this used up.
USAGE_CEILING = 0.8
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(__c)?$")
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class Contact:
    id: str
    fields: dict[str, Any]
    modified_at: datetime
    deleted: bool = False
    merged_into: str | None = None


@dataclass(frozen=True)
class Page:
    contacts: list[Contact]
    next_url: str | None


def parse_time(value: Any) -> datetime:
    """`2026-11-29T18:00:00.000+0000` (Salesforce's format) or ISO-8601."""
    if not isinstance(value, str) or not value:
        return datetime.fromtimestamp(0, UTC)
    text = value.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text).astimezone(UTC)


def soql_time(moment: datetime) -> str:
    """A SOQL datetime literal (unquoted, UTC, whole seconds: SOQL compares at that precision)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def soql_string(value: str) -> str:
    """A quoted SOQL string literal; backslashes and quotes escaped so no value changes the query."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# SOQL is built as text (the API takes nothing else): field names are checked against FIELD_NAME and
# every value goes through soql_string or soql_time, so no input changes the query's shape.
def _fields(names: list[str]) -> str:
    for name in names:
        if not FIELD_NAME.fullmatch(name):  # `match` with `$` would let a trailing newline through
            raise CrmError(f"{name!r} is not a Salesforce field name")
    return ", ".join(dict.fromkeys([*BOOKKEEPING, *names]))


def _contact(record: dict[str, Any]) -> Contact:
    fields = {key: value for key, value in record.items() if key != "attributes"}
    return Contact(
        id=str(record["Id"]),
        fields=fields,
        modified_at=parse_time(record.get("SystemModstamp")),
        deleted=bool(record.get("IsDeleted")),
        merged_into=str(record["MasterRecordId"]) if record.get("MasterRecordId") else None,
    )


def _page(answer: Any) -> Page:
    if not isinstance(answer, dict):
        raise CrmError("Salesforce answered an unexpected shape")
    next_url = answer.get("nextRecordsUrl") if not answer.get("done", True) else None
    return Page([_contact(record) for record in answer.get("records") or []], next_url or None)


def check_usage(session: CrmSession) -> None:
    """Stop when the org has used 80 % of its daily API allocation (read from the last answer)."""
    match = _USAGE.search(session.last_headers.get("sforce-limit-info", ""))
    if match and int(match.group(2)) and int(match.group(1)) >= USAGE_CEILING * int(match.group(2)):
        raise CrmError(f"the org has used {match.group(1)} of its {match.group(2)} daily API calls")


def modified_since(
    session: CrmSession, names: list[str], since: datetime, after_id: str | None, limit: int = QUERY_LIMIT
) -> Page:
    """Contacts (deleted ones too) with `SystemModstamp >= since`, by (SystemModstamp, Id); with
    `after_id`, those at exactly `since` come after that id (a cluster larger than a page)."""
    condition = f"SystemModstamp >= {soql_time(since)}"
    if after_id is not None:
        condition = (
            f"(SystemModstamp > {soql_time(since)} OR "
            f"(SystemModstamp = {soql_time(since)} AND Id > {soql_string(after_id)}))"
        )
    soql = (
        f"SELECT {_fields(names)} FROM Contact WHERE {condition} "  # noqa: S608 - names checked, literals quoted
        f"ORDER BY SystemModstamp ASC, Id ASC LIMIT {limit}"
    )
    page = _page(session.call("queryAll", "GET", f"{API}/queryAll?q={quote(soql)}"))
    check_usage(session)
    return page


def next_page(session: CrmSession, next_url: str) -> Page:
    if not next_url.startswith("/services/data/"):
        raise CrmError("Salesforce gave a next-records URL outside its API")
    page = _page(session.call("queryAll", "GET", next_url))
    check_usage(session)
    return page


def by_ids(session: CrmSession, names: list[str], ids: list[str]) -> list[Contact]:
    found: list[Contact] = []
    for start in range(0, len(ids), COLLECTION_LIMIT):
        listed = ", ".join(soql_string(contact_id) for contact_id in ids[start : start + COLLECTION_LIMIT])
        soql = f"SELECT {_fields(names)} FROM Contact WHERE Id IN ({listed})"  # noqa: S608 - names checked, literals quoted
        found.extend(_page(session.call("query", "GET", f"{API}/query?q={quote(soql)}")).contacts)
    return found


def by_emails(session: CrmSession, emails: list[str]) -> dict[str, list[str]]:
    """{email (lowercased): ids}: Salesforce allows duplicate emails, so a match may be several."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(emails), COLLECTION_LIMIT):
        listed = ", ".join(soql_string(email) for email in emails[start : start + COLLECTION_LIMIT])
        soql = f"SELECT Id, Email FROM Contact WHERE Email IN ({listed}) ORDER BY Id"  # noqa: S608 - names checked, literals quoted
        for contact in _page(session.call("query", "GET", f"{API}/query?q={quote(soql)}")).contacts:
            email = str(contact.fields.get("Email") or "").strip().lower()
            found.setdefault(email, []).append(contact.id)
    return found


@dataclass(frozen=True)
class WriteResult:
    # Per record sent, in order: its id when written, or None and the error (Salesforce's code).
    ids: list[str | None]
    errors: list[str | None]


def _collection(session: CrmSession, method: str, records: list[dict[str, Any]], retry: bool) -> WriteResult:
    ids: list[str | None] = []
    failures: list[str | None] = []
    for start in range(0, len(records), COLLECTION_LIMIT):
        body = {
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Contact"}, **record}
                for record in records[start : start + COLLECTION_LIMIT]
            ],
        }
        answer = session.call(
            f"composite/{method.lower()}", method, f"{API}/composite/sobjects", json=body, retry=retry
        )
        if not isinstance(answer, list):
            raise CrmError("Salesforce answered an unexpected shape")
        for result in answer:
            ok = isinstance(result, dict) and result.get("success") is True
            ids.append(str(result.get("id")) if ok and result.get("id") else None)
            codes = (
                [str(error.get("statusCode", "error")) for error in result.get("errors") or []]
                if isinstance(result, dict)
                else []
            )
            failures.append(None if ok else ", ".join(codes)[:100] or "error")
    check_usage(session)
    return WriteResult(ids, failures)


def create(session: CrmSession, records: list[dict[str, Any]]) -> WriteResult:
    # Not retried: a retried create could make a second record (the engine looks emails up first).
    return _collection(session, "POST", records, retry=False)


def update(session: CrmSession, updates: dict[str, dict[str, Any]]) -> WriteResult:
    return _collection(session, "PATCH", [{"Id": key, **value} for key, value in updates.items()], retry=True)


def describe_contact(session: CrmSession) -> list[dict[str, Any]]:
    answer = session.call("describe", "GET", f"{API}/sobjects/Contact/describe")
    fields = answer.get("fields") if isinstance(answer, dict) else None
    return [item for item in fields or [] if isinstance(item, dict) and isinstance(item.get("name"), str)]
