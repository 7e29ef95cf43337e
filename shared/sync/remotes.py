"""The one small interface the engine reads and writes a CRM through, and its two adapters.

The engine knows no CRM: it asks a `Remote` for a page of changes after a cursor (never past the run's
signpost), for records by id, for ids by email, and to create or update records. Each adapter turns its
CRM's API (`shared/connectors/hubspot.py`, `salesforce.py`) into those calls and owns its cursor's shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from shared import errors
from shared.connectors import hubspot, salesforce
from shared.connectors.crm import CrmSession
from shared.models.sync import RemoteField

HUBSPOT = "hubspot"
SALESFORCE = "salesforce"
PROVIDERS = (HUBSPOT, SALESFORCE)


@dataclass(frozen=True)
class RemoteRecord:
    id: str
    # The record's fields as the CRM gives them (HubSpot's properties are all text).
    values: dict[str, Any]
    modified_at: datetime
    email: str | None
    deleted: bool = False
    # A merge at the CRM: this record was merged into `merged_into` (Salesforce's MasterRecordId), or
    # these ids were merged into this record (HubSpot's hs_merged_object_ids).
    merged_into: str | None = None
    merged_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangePage:
    records: list[RemoteRecord]
    # Where the next page starts; saved once this page's writes committed.
    cursor: dict[str, Any]
    # Nothing more up to the signpost.
    done: bool


@dataclass(frozen=True)
class WriteOutcome:
    # Per record sent, in order: its remote id, or None and why it failed.
    ids: list[str | None]
    errors: list[str | None]


class Remote(Protocol):
    provider: str
    session: CrmSession

    def fields(self) -> list[RemoteField]: ...

    def changes(self, cursor: dict[str, Any], bound: datetime, fields: list[str]) -> ChangePage: ...

    def deletions(self, cursor: dict[str, Any]) -> ChangePage: ...

    def read(self, ids: list[str], fields: list[str]) -> dict[str, RemoteRecord]: ...

    def ids_by_email(self, emails: list[str]) -> dict[str, list[str]]: ...

    def create(self, records: list[tuple[str, dict[str, Any]]]) -> WriteOutcome: ...

    def update(self, updates: dict[str, dict[str, Any]]) -> WriteOutcome: ...


def normalized_email(value: Any) -> str | None:
    """Identity by email: trimmed, case-insensitive; None when it is not an email."""
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    return email if "@" in email and len(email) <= 320 else None


def _ms(moment: datetime) -> int:
    return hubspot.milliseconds(moment)


def _at(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


# ---------------------------------------------------------------- HubSpot


@dataclass
class HubSpotRemote:
    """HubSpot contacts. The first run backfills through the list endpoint (no search cap, no search
    throttle) and then searches from the backfill's own signpost; every later page is a fresh search from
    the last time read (`lastmodifieddate >= since`, oldest first), never an offset that shifts when
    records change. When a whole page shares one millisecond, that millisecond is read by id instead, so
    10,000 or more contacts at one time neither loop nor hit the search's 10,000-result cap."""

    session: CrmSession
    provider: str = HUBSPOT

    def fields(self) -> list[RemoteField]:
        return [
            RemoteField(
                name=item["name"],
                label=str(item.get("label") or item["name"]),
                type=str(item.get("type") or "string"),
            )
            for item in hubspot.contact_properties(self.session)
        ]

    def _record(self, contact: hubspot.Contact) -> RemoteRecord:
        return RemoteRecord(
            id=contact.id,
            values=contact.properties,
            modified_at=contact.modified_at,
            email=normalized_email(contact.properties.get("email")),
            deleted=contact.archived,
            merged_ids=contact.merged_ids,
        )

    def changes(self, cursor: dict[str, Any], bound: datetime, fields: list[str]) -> ChangePage:
        bound_ms = _ms(bound)
        if "since" not in cursor:
            return self._backfill(cursor, bound_ms, fields)
        since = int(cursor["since"])
        if cursor.get("cluster") is not None:
            return self._cluster(since, cursor.get("idAbove"), bound_ms, fields)
        page = hubspot.search_modified(self.session, fields, _at(since), None)
        records = [self._record(contact) for contact in page.contacts]
        if not records:
            return ChangePage([], {"since": since}, done=True)
        last = _ms(records[-1].modified_at)
        if since >= bound_ms:
            return ChangePage(records, {"since": bound_ms}, done=True)
        if len(records) == hubspot.SEARCH_PAGE and last == since:
            # A full page at one millisecond: read that millisecond by id from the start.
            return ChangePage(records, {"since": since, "cluster": since, "idAbove": None}, done=False)
        full = len(records) == hubspot.SEARCH_PAGE
        return ChangePage(records, {"since": min(last, bound_ms)}, done=not full or last >= bound_ms)

    def _cluster(self, at_ms: int, id_above: str | None, bound_ms: int, fields: list[str]) -> ChangePage:
        page = hubspot.search_modified(
            self.session, fields, _at(at_ms), None, at_exactly=_at(at_ms), id_above=id_above
        )
        records = [self._record(contact) for contact in page.contacts]
        if len(records) == hubspot.SEARCH_PAGE:
            return ChangePage(
                records, {"since": at_ms, "cluster": at_ms, "idAbove": records[-1].id}, done=False
            )
        # The millisecond is read whole: go on after it.
        following = min(at_ms + 1, bound_ms)
        return ChangePage(records, {"since": following}, done=following >= bound_ms)

    def _backfill(self, cursor: dict[str, Any], bound_ms: int, fields: list[str]) -> ChangePage:
        # The backfill's signpost is fixed by its first page, so a backfill resumed by a later run still
        # hands over to search at a time before anything it may have missed.
        signpost = int(cursor.get("backfillBound") or bound_ms)
        page = hubspot.list_page(self.session, fields, cursor.get("after"))
        records = [self._record(contact) for contact in page.contacts]
        if page.after is None:
            return ChangePage(records, {"since": signpost}, done=True)
        return ChangePage(records, {"after": page.after, "backfillBound": signpost}, done=False)

    def deletions(self, cursor: dict[str, Any]) -> ChangePage:
        """Archived contacts (HubSpot keeps them 90 days): a delete is taken only from this positive list,
        never inferred from a record's absence."""
        page = hubspot.list_page(self.session, [], cursor.get("after"), archived=True)
        records = [self._record(contact) for contact in page.contacts]
        return ChangePage(records, {"after": page.after} if page.after else {}, done=page.after is None)

    def read(self, ids: list[str], fields: list[str]) -> dict[str, RemoteRecord]:
        return {
            contact.id: self._record(contact) for contact in hubspot.batch_read(self.session, ids, fields)
        }

    def ids_by_email(self, emails: list[str]) -> dict[str, list[str]]:
        # Not needed: HubSpot creates by upsert on email, which never duplicates.
        return {}

    def create(self, records: list[tuple[str, dict[str, Any]]]) -> WriteOutcome:
        result = hubspot.batch_upsert_by_email(self.session, records)
        by_email = {
            normalized_email(contact.properties.get("email")): contact.id for contact in result.written
        }
        failed = dict(result.failed)
        ids: list[str | None] = []
        reasons: list[str | None] = []
        for index, (email, _) in enumerate(records):
            found = by_email.get(normalized_email(email))
            ids.append(None if index in failed else found)
            reasons.append(failed.get(index) or (None if found else "HubSpot did not answer this contact"))
        return WriteOutcome(ids, reasons)

    def update(self, updates: dict[str, dict[str, Any]]) -> WriteOutcome:
        result = hubspot.batch_update(self.session, updates)
        failed = dict(result.failed)
        keys = list(updates)
        return WriteOutcome(
            [None if index in failed else key for index, key in enumerate(keys)],
            [failed.get(index) for index in range(len(keys))],
        )


# ---------------------------------------------------------------- Salesforce


@dataclass
class SalesforceRemote:
    """Salesforce contacts through queryAll: changes, deletes (`IsDeleted`) and merges (`MasterRecordId`)
    arrive in one stream ordered by (SystemModstamp, Id), so a cursor of both resumes exactly."""

    session: CrmSession
    provider: str = SALESFORCE
    page_size: int = 200

    def fields(self) -> list[RemoteField]:
        return [
            RemoteField(
                name=item["name"],
                label=str(item.get("label") or item["name"]),
                type=str(item.get("type") or "string"),
            )
            for item in salesforce.describe_contact(self.session)
        ]

    def _record(self, contact: salesforce.Contact) -> RemoteRecord:
        return RemoteRecord(
            id=contact.id,
            values=contact.fields,
            modified_at=contact.modified_at,
            email=normalized_email(contact.fields.get("Email")),
            deleted=contact.deleted,
            merged_into=contact.merged_into,
        )

    def changes(self, cursor: dict[str, Any], bound: datetime, fields: list[str]) -> ChangePage:
        since = (
            salesforce.parse_time(cursor["since"]) if "since" in cursor else datetime.fromtimestamp(0, UTC)
        )
        page = salesforce.modified_since(
            self.session, fields, since, cursor.get("afterId"), limit=self.page_size
        )
        records = [self._record(contact) for contact in page.contacts]
        if not records:
            return ChangePage([], cursor, done=True)
        last = records[-1]
        # Salesforce keeps its stamps to the second: a record saved later in the second of the signpost
        # could sort before the last one read, so no cursor passes into that second; it resumes at its
        # start (what lies beyond is read again, unchanged, and writes nothing).
        settled = bound.replace(microsecond=0)
        if last.modified_at >= settled:
            return ChangePage(records, {"since": salesforce.soql_time(settled)}, done=True)
        next_cursor = {"since": salesforce.soql_time(last.modified_at), "afterId": last.id}
        return ChangePage(records, next_cursor, done=len(records) < self.page_size)

    def deletions(self, cursor: dict[str, Any]) -> ChangePage:
        # Deletes and merges arrive with the changes (queryAll includes IsDeleted rows).
        return ChangePage([], {}, done=True)

    def read(self, ids: list[str], fields: list[str]) -> dict[str, RemoteRecord]:
        return {contact.id: self._record(contact) for contact in salesforce.by_ids(self.session, fields, ids)}

    def ids_by_email(self, emails: list[str]) -> dict[str, list[str]]:
        return salesforce.by_emails(self.session, emails)

    def create(self, records: list[tuple[str, dict[str, Any]]]) -> WriteOutcome:
        result = salesforce.create(self.session, [values for _, values in records])
        return WriteOutcome(result.ids, result.errors)

    def update(self, updates: dict[str, dict[str, Any]]) -> WriteOutcome:
        result = salesforce.update(self.session, updates)
        return WriteOutcome(result.ids, result.errors)


@dataclass(frozen=True)
class RemoteSpec:
    """What the engine needs to know of an integration to reach its CRM."""

    provider: str
    base_url: str


def remote_for(spec: RemoteSpec, session: CrmSession) -> Remote:
    if spec.provider == HUBSPOT:
        session.throttles.update(hubspot.session_throttles())
        return HubSpotRemote(session)
    if spec.provider == SALESFORCE:
        return SalesforceRemote(session)
    raise errors.InvalidArgument(f"the sync engine does not speak {spec.provider}", field="integrationId")
