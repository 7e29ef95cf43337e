"""A fake HubSpot (CRM v3 contacts) on loopback, in memory, for the sync engine's tests.

    hubspot = FakeHubSpot(token="hs-token").start()      # or `with FakeHubSpot(...) as hubspot:`
    base_url = hubspot.url                                # what the engine uses as `config.baseUrl`

Lifecycle, clock, request log, counters, failure injection and auth are shared with the Salesforce fake
and described in `tests/support/fake_crm.py`. Everything below is HubSpot's.

Records. A contact is `{id, properties, createdAt, updatedAt, archived}` (plus `archivedAt` when
archived). `id` is a numeric string, increasing from `first_id` (1 by default, so ids cross digit
boundaries: "9" < "10" numerically, not as text). Every property value is a string or null:
`hs_object_id` (= id), `createdate`, `lastmodifieddate` (ISO-8601 with milliseconds and Z, from the fake's
clock, the time of the change), `email`, `firstname`, `lastname`, `phone`, `company`, custom ones
(`favorite_color`, `customer_tier` (enumeration: bronze, silver, gold), `num_tickets` (number)) and the
read-only `hs_merged_object_ids`, `hs_additional_emails`. Emails are stored trimmed and lowercased (a
pushed `Ann@X.io` reads back `ann@x.io`: an engine must compare emails case-insensitively) and are
unique among live contacts. Setting a property to "" or null clears it; a cleared or unset property
reads as null.

Endpoints (name for the counters in brackets):

- `POST /crm/v3/objects/contacts/search` [search]: `{filterGroups: [{filters: [{propertyName, operator,
  value | values | highValue}]}], sorts, properties, limit, after, query}`. Groups are ORed (at most 5),
  filters in a group ANDed (at most 10 a group, 25 in all). Operators EQ, NEQ, LT, LTE, GT, GTE, BETWEEN,
  IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN (`*` wildcards); values typed by the
  property (datetimes as epoch milliseconds or ISO text, numbers numerically, text case-insensitively).
  `sorts`: `[{propertyName, direction: ASCENDING | DESCENDING}]` or `["prop"]` / `["-prop"]`, at most
  `max_sorts` (2 here so a test can sort `lastmodifieddate` then `hs_object_id`; HubSpot documents one
  sort rule, so set `max_sorts = 1` to hold an engine to that). Records with equal sort keys come in id
  order (`tie_order = "id"`), or in a fixed but scrambled order (`tie_order = "scrambled"`), since HubSpot
  promises no order among ties. `limit` 1..200 (default 10); `after` is the offset of the next page.
  Answer `{total, results: [{id, properties, createdAt, updatedAt, archived: false}], paging: {next:
  {after}}}` (`paging` only when more results remain). Results carry the requested properties (null when
  unset) plus `hs_object_id`, `createdate`, `lastmodifieddate`; without `properties`, the default set
  (`createdate, email, firstname, hs_object_id, lastmodifieddate, lastname`). Archived and merged-away
  contacts never appear. THE 10,000 CAP: a request whose `after + limit` exceeds 10,000 is answered 400
  VALIDATION_ERROR (HubSpot: "Attempting to page beyond 10,000 will result in a 400 error"; its exact
  message is not documented, this one is ours), while `total` still counts every match, and the page
  ending at result 10,000 still offers `paging.next.after = "10000"`.
  Search index lag: with `search_lag_ms > 0`, a change becomes visible to search only that long after it
  was made; until then search matches and answers the previous version (a new contact is absent). Set it
  before the changes it should delay. Archiving removes a contact from search at once.
- `GET /crm/v3/objects/contacts` [list]: `limit` (1..100, default 10), `after` (opaque: the last id of
  the previous page), `properties` (repeated or comma-separated), `archived=true` lists archived contacts
  (with `archivedAt`). Id order; `paging.next: {after, link}`.
- `GET /crm/v3/objects/contacts/{id}` [get]: `properties`, `archived`, `idProperty=email`. A merged-away
  id answers the survivor (with the survivor's id). Unknown: 404 OBJECT_NOT_FOUND; archived: 404 unless
  `archived=true`.
- `POST .../batch/read` [batch_read]: `{inputs: [{id}], properties, idProperty?}`, at most 100 inputs.
  Merged ids answer the survivor; ids not found: HTTP 207 with `errors: [{status: "error", category:
  "OBJECT_NOT_FOUND", message, context: {ids: [...]}}]` and `numErrors`.
- `POST .../batch/create` [batch_create]: `{inputs: [{properties}]}` -> 201 `{status: "COMPLETE",
  results}`. Atomic: an unknown or read-only property, an invalid email, a value outside an
  enumeration's options or a failed validation rule answers 400 VALIDATION_ERROR ("Property values were
  not valid: [...]"); an email a live contact has answers 409 CONFLICT "Contact already exists.
  Existing ID: <id>"; one email twice in the batch answers 400. Nothing is written on an error.
- `POST .../batch/update` [batch_update]: `{inputs: [{id, properties}]}`. Validation as for create
  (atomic; 409 when an email would collide). Merged ids update the survivor; unknown or archived ids are
  left out of `results` and reported as in batch/read (207), the others are written.
- `POST .../batch/upsert` [batch_upsert]: `{inputs: [{idProperty: "email", id: <email>, properties}]}`:
  updates the live contact with that email (case-insensitive) or creates one; never a duplicate. Each
  result carries `new: true | false`. The same email twice in one batch answers 400.
- `POST .../batch/archive` [batch_archive] `{inputs: [{id}]}` and `DELETE .../contacts/{id}` [archive]:
  204. Archiving does not move `lastmodifieddate` (as at HubSpot).
- `POST .../contacts/merge` [merge]: `{primaryObjectId, objectIdToMerge}` -> the survivor (see merge()).
- `GET /crm/v3/properties/contacts` [properties] -> `{results: [{name, label, type, fieldType,
  description, groupName, options, hidden, calculated, hasUniqueValue, modificationMetadata: {readOnlyValue,
  ...}}]}`; `GET /crm/v3/properties/contacts/{name}` [property].
- Batches of more than 100 inputs answer 400. Batch results come in input order; `reorder_batch_results
  = True` reverses them (HubSpot does not promise the order, so an engine must match results by id or
  email, never by position).

An update that sets every property to its current value changes nothing and does not move
`lastmodifieddate`. That is a choice: we could not confirm from public sources which HubSpot does.
`touch_on_unchanged_update = True` makes such an update move it anyway, for tests that must survive
either behaviour.

Rate limits: `rate_limit_next(n, retry_after_seconds)` answers 429 `{status: "error", message, errorType:
"RATE_LIMIT", policyName, correlationId}` with `Retry-After`. Real limits the test can enable, counted on
the fake's clock (so a frozen clock must be advanced to open a new window): `search_requests_per_second`
(HubSpot: 5 per account; policy SECONDLY) and `requests_per_ten_seconds` for the other endpoints
(private apps: 190; policy TEN_SECONDLY_ROLLING; its `X-HubSpot-RateLimit-*` headers are then sent).

Errors are `{status: "error", message, correlationId, category}` (401: INVALID_AUTHENTICATION).

Helpers for tests, without HTTP (they use the same clock and rules; ids are strings):

    add(properties=None, **properties) -> id       # e.g. hubspot.add(email="a@x.io", firstname="Ann")
    add_many([properties, ...]) -> [id, ...]       # fast seeding (10,000 in well under a second)
    modify(id, **changes)                          # None or "" clears; moves lastmodifieddate if changed
    touch(*ids)                                    # move lastmodifieddate without a change (a workflow)
    archive(id); restore(id)
    merge(primary_id, secondary_id) -> survivor id # see below
    get(id) -> record | None                       # API shape, every property; merged: + "mergedInto"
    records(archived=False) -> [record, ...]       # live (or archived) contacts, id order
    find_by_email(email) -> record | None
    add_property(name, type="string", field_type="text", label=None, options=())
    add_validation_rule(rejects, message)          # rejects(properties) -> True refuses the write (400)

Merges: the secondary disappears from search, lists and batch answers; the survivor keeps the primary's
values (blanks filled from the secondary's, the secondary's email added to `hs_additional_emails`),
gets `hs_merged_object_ids` (semicolon-separated, accumulated over merges) and a new
`lastmodifieddate`; every id merged into it (GET, batch read, update, archive) resolves to it. With
`merge_creates_new_id = True` the survivor gets a new id and both old ids redirect to it (HubSpot may do
this).
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from urllib.parse import quote

from tests.support.fake_crm import (
    DEFAULT_TOKEN,
    Clock,
    FakeCrm,
    Query,
    Route,
    _Injected,
    json_reply,
    query_list,
    query_value,
)
from tests.support.http_servers import Reply

SEARCH_RESULT_CAP = 10_000
SEARCH_PAGE_MAX = 200
LIST_PAGE_MAX = 100
BATCH_MAX = 100
MAX_FILTER_GROUPS = 5
MAX_FILTERS_PER_GROUP = 10
MAX_FILTERS = 25

ALWAYS_RETURNED = ("hs_object_id", "createdate", "lastmodifieddate")
SEARCH_DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
LIST_DEFAULT_PROPERTIES = ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTACTS = "/crm/v3/objects/contacts"


@functools.lru_cache(maxsize=8192)
def hubspot_time(ms: int) -> str:
    """HubSpot's timestamps: ISO-8601, milliseconds, Z."""
    moment = time.gmtime(ms // 1000)
    return (
        f"{moment.tm_year:04d}-{moment.tm_mon:02d}-{moment.tm_mday:02d}T"
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}.{ms % 1000:03d}Z"
    )


@functools.lru_cache(maxsize=65536)
def parse_hubspot_time(text: str) -> int | None:
    """Epoch milliseconds from epoch-millisecond digits or ISO text; None when neither."""
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


@dataclass(frozen=True)
class PropertyDefinition:
    name: str
    label: str
    type: str  # string | number | datetime | enumeration | bool
    field_type: str
    read_only: bool = False
    options: tuple[str, ...] = ()
    group: str = "contactinformation"
    custom: bool = False

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": "",
            "groupName": self.group,
            "options": [
                {"label": option.title(), "value": option, "displayOrder": index, "hidden": False}
                for index, option in enumerate(self.options)
            ],
            "displayOrder": -1,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": self.name == "email",
            "hidden": False,
            "hubspotDefined": not self.custom,
            "formField": not self.read_only,
            "modificationMetadata": {
                "archivable": self.custom,
                "readOnlyDefinition": not self.custom,
                "readOnlyValue": self.read_only,
            },
        }


STANDARD_PROPERTIES = (
    PropertyDefinition("hs_object_id", "Record ID", "number", "number", read_only=True),
    PropertyDefinition("createdate", "Create Date", "datetime", "date", read_only=True),
    PropertyDefinition("lastmodifieddate", "Last Modified Date", "datetime", "date", read_only=True),
    PropertyDefinition("email", "Email", "string", "text"),
    PropertyDefinition("firstname", "First Name", "string", "text"),
    PropertyDefinition("lastname", "Last Name", "string", "text"),
    PropertyDefinition("phone", "Phone Number", "string", "phonenumber"),
    PropertyDefinition("company", "Company Name", "string", "text"),
    PropertyDefinition(
        "hs_merged_object_ids", "Merged Contact IDs", "enumeration", "checkbox", read_only=True
    ),
    PropertyDefinition("hs_additional_emails", "Additional email addresses", "enumeration", "checkbox", True),
    PropertyDefinition("favorite_color", "Favorite color", "string", "text", custom=True),
    PropertyDefinition(
        "customer_tier",
        "Customer tier",
        "enumeration",
        "select",
        options=("bronze", "silver", "gold"),
        custom=True,
    ),
    PropertyDefinition("num_tickets", "Number of tickets", "number", "number", custom=True),
)


@dataclass
class _Contact:
    id: str
    properties: dict[str, str]
    created_ms: int
    updated_ms: int
    archived_ms: int | None = None
    merged_into: str | None = None
    # With a search lag: (visible from, version) pairs, oldest first.
    indexed: list[tuple[int, _View]] = field(default_factory=list)
    # The current version as reads see it, built on first read after a change.
    current: _View | None = None

    @property
    def live(self) -> bool:
        return self.archived_ms is None and self.merged_into is None


@dataclass(eq=False)
class _View:
    """A contact as one read sees it (search may see an older version), with its values typed once."""

    id: str
    properties: Mapping[str, str]
    created_ms: int
    updated_ms: int
    typed: dict[str, Any] = field(default_factory=dict)


class _BadRequest(ValueError):
    def __init__(self, status: int, message: str, category: str = "VALIDATION_ERROR") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category


@dataclass(frozen=True)
class _Rule:
    rejects: Callable[[dict[str, str]], bool]
    message: str


class FakeHubSpot(FakeCrm):
    write_endpoints: ClassVar[frozenset[str]] = frozenset(
        {"batch_create", "batch_update", "batch_upsert", "batch_archive", "archive", "merge"}
    )

    def __init__(self, token: str = DEFAULT_TOKEN, clock: Clock | None = None, first_id: int = 1) -> None:
        super().__init__(token, clock)
        self.search_lag_ms = 0
        self.max_sorts = 2
        self.tie_order: Literal["id", "scrambled"] = "id"
        self.touch_on_unchanged_update = False
        self.reorder_batch_results = False
        self.merge_creates_new_id = False
        self.search_requests_per_second: int | None = None
        self.requests_per_ten_seconds: int | None = None
        self._next_id = first_id
        self._contacts: dict[str, _Contact] = {}
        self._by_email: dict[str, str] = {}
        self._redirects: dict[str, str] = {}
        self._properties: dict[str, PropertyDefinition] = {p.name: p for p in STANDARD_PROPERTIES}
        self._rules: list[_Rule] = []
        self._version = 0
        self._search_cache: dict[tuple[str, int, int], list[_View]] = {}
        self._indexed_cache: tuple[tuple[int, int], list[_View]] | None = None
        self._windows: dict[tuple[str, int], int] = {}
        self._last_window_remaining: int | None = None

    # ------------------------------------------------------------------ helpers for tests

    def add(self, properties: Mapping[str, object] | None = None, /, **more: object) -> str:
        return self.add_many([{**(properties or {}), **more}])[0]

    def add_many(self, items: Iterable[Mapping[str, object]]) -> list[str]:
        with self._lock:
            cleaned = [self._clean(item) for item in items]
            self._claim_emails([(None, properties) for properties in cleaned])
            return [self._create(properties).id for properties in cleaned]

    def modify(self, contact_id: str, **changes: object) -> None:
        with self._lock:
            contact = self._require(contact_id)
            cleaned = self._clean(changes, contact.id)
            self._claim_emails([(contact, cleaned)])
            self._update(contact, cleaned)

    def touch(self, *contact_ids: str) -> None:
        with self._lock:
            for contact_id in contact_ids:
                self._bump(self._require(contact_id))

    def archive(self, contact_id: str) -> None:
        with self._lock:
            self._archive(self._require(contact_id))

    def restore(self, contact_id: str) -> None:
        with self._lock:
            contact = self._contacts[contact_id]
            if contact.archived_ms is None:
                return
            email = contact.properties.get("email")
            if email is not None and email in self._by_email:
                raise ValueError(f"email {email} belongs to contact {self._by_email[email]}")
            contact.archived_ms = None
            if email is not None:
                self._by_email[email] = contact.id
            self._version += 1

    def merge(self, primary_id: str, secondary_id: str) -> str:
        with self._lock:
            return self._merge(self._require(primary_id), self._require(secondary_id)).id

    def get(self, contact_id: str) -> dict[str, Any] | None:
        with self._lock:
            contact = self._contacts.get(contact_id)
            if contact is None:
                return None
            record = self._render(self._view(contact), None, archived_ms=contact.archived_ms)
            if contact.merged_into is not None:
                record["mergedInto"] = self._resolve(contact.id)
            return record

    def records(self, archived: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            return [
                self._render(self._view(contact), None, archived_ms=contact.archived_ms)
                for contact in self._ordered()
                if (contact.live if not archived else contact.archived_ms is not None)
            ]

    def find_by_email(self, email: str) -> dict[str, Any] | None:
        with self._lock:
            contact_id = self._by_email.get(email.strip().lower())
            return None if contact_id is None else self.get(contact_id)

    def add_property(
        self,
        name: str,
        type: str = "string",
        field_type: str = "text",
        label: str | None = None,
        options: Iterable[str] = (),
    ) -> None:
        with self._lock:
            self._properties[name] = PropertyDefinition(
                name, label or name, type, field_type, options=tuple(options), custom=True
            )
            # Typed values cached under the old definition of this name are stale.
            for contact in self._contacts.values():
                contact.current = None
                for _, version in contact.indexed:
                    version.typed.clear()
            self._search_cache.clear()
            self._indexed_cache = None

    def add_validation_rule(self, rejects: Callable[[dict[str, str]], bool], message: str) -> None:
        """`rejects` sees the contact's properties as they would be after the write."""
        with self._lock:
            self._rules.append(_Rule(rejects, message))

    # ------------------------------------------------------------------ the store

    def _ordered(self) -> list[_Contact]:
        return sorted(self._contacts.values(), key=lambda contact: int(contact.id))

    def _require(self, contact_id: str) -> _Contact:
        contact = self._contacts.get(self._resolve(contact_id))
        if contact is None or not contact.live:
            raise KeyError(f"no live contact {contact_id}")
        return contact

    def _resolve(self, contact_id: str) -> str:
        while contact_id in self._redirects:
            contact_id = self._redirects[contact_id]
        return contact_id

    def _lookup(self, contact_id: str) -> _Contact | None:
        """The live contact an id names, following merges."""
        contact = self._contacts.get(self._resolve(str(contact_id)))
        return contact if contact is not None and contact.live else None

    def _new_id(self) -> str:
        contact_id = str(self._next_id)
        self._next_id += 1
        return contact_id

    def _stamp(self, contact: _Contact, now: int) -> None:
        """Every change ends here: the new modification time, and the cached view dropped."""
        contact.updated_ms = now
        contact.properties["lastmodifieddate"] = hubspot_time(now)
        contact.current = None
        if self.search_lag_ms > 0:
            contact.indexed.append((now + self.search_lag_ms, self._snapshot(contact)))
        self._version += 1

    @staticmethod
    def _snapshot(contact: _Contact) -> _View:
        return _View(contact.id, dict(contact.properties), contact.created_ms, contact.updated_ms)

    def _remember_version(self, contact: _Contact) -> None:
        # A contact changed for the first time under a lag: search keeps seeing what it saw before.
        if self.search_lag_ms > 0 and not contact.indexed:
            contact.indexed.append((0, self._snapshot(contact)))

    def _create(self, properties: dict[str, str]) -> _Contact:
        now = self.now_ms()
        contact_id = self._new_id()
        values = {k: v for k, v in properties.items() if v != ""}
        stamp = hubspot_time(now)
        values.update({"hs_object_id": contact_id, "createdate": stamp, "lastmodifieddate": stamp})
        contact = _Contact(contact_id, values, now, now)
        self._contacts[contact_id] = contact
        if "email" in values:
            self._by_email[values["email"]] = contact_id
        self._stamp(contact, now)
        return contact

    def _update(self, contact: _Contact, changes: dict[str, str]) -> None:
        changed = {
            name: value for name, value in changes.items() if contact.properties.get(name, "") != value
        }
        if not changed and not self.touch_on_unchanged_update:
            return
        self._remember_version(contact)
        for name, value in changed.items():
            if name == "email":
                old = contact.properties.get("email")
                if old is not None:
                    self._by_email.pop(old, None)
                if value:
                    self._by_email[value] = contact.id
            if value == "":
                contact.properties.pop(name, None)
            else:
                contact.properties[name] = value
        self._stamp(contact, self.now_ms())

    def _bump(self, contact: _Contact) -> None:
        self._remember_version(contact)
        self._stamp(contact, self.now_ms())

    def _archive(self, contact: _Contact) -> None:
        if contact.archived_ms is not None:
            return
        contact.archived_ms = self.now_ms()
        email = contact.properties.get("email")
        if email is not None and self._by_email.get(email) == contact.id:
            del self._by_email[email]
        # Archiving does not move lastmodifieddate (airbyte#19838); it only leaves the index.
        self._version += 1

    def _merge(self, primary: _Contact, secondary: _Contact) -> _Contact:
        if primary.id == secondary.id:
            raise _BadRequest(400, "Cannot merge a contact with itself")
        self._remember_version(primary)
        merged_ids = [
            *filter(None, primary.properties.get("hs_merged_object_ids", "").split(";")),
            *filter(None, secondary.properties.get("hs_merged_object_ids", "").split(";")),
            secondary.id,
        ]
        extra_emails = [
            *filter(None, primary.properties.get("hs_additional_emails", "").split(";")),
            *filter(None, secondary.properties.get("hs_additional_emails", "").split(";")),
        ]
        secondary_email = secondary.properties.get("email")
        if secondary_email is not None:
            extra_emails.append(secondary_email)
            self._by_email.pop(secondary_email, None)
        survivor = primary
        if self.merge_creates_new_id:
            survivor = _Contact(
                self._new_id(), dict(primary.properties), primary.created_ms, primary.updated_ms
            )
            survivor.properties["hs_object_id"] = survivor.id
            self._contacts[survivor.id] = survivor
            merged_ids.append(primary.id)
            primary.merged_into = survivor.id
            self._redirects[primary.id] = survivor.id
            if "email" in survivor.properties:
                self._by_email[survivor.properties["email"]] = survivor.id
        for name, value in secondary.properties.items():
            if name not in survivor.properties and name not in ("email", *ALWAYS_RETURNED):
                survivor.properties[name] = value
        survivor.properties["hs_merged_object_ids"] = ";".join(merged_ids)
        if extra_emails:
            survivor.properties["hs_additional_emails"] = ";".join(extra_emails)
        secondary.merged_into = survivor.id
        self._redirects[secondary.id] = survivor.id
        self._stamp(survivor, self.now_ms())
        return survivor

    # ------------------------------------------------------------------ validation of writes

    def _clean(self, properties: Mapping[str, object], contact_id: str | None = None) -> dict[str, str]:
        """Input properties as stored strings; raises _BadRequest with HubSpot's message when invalid."""
        if not isinstance(properties, Mapping):
            raise _BadRequest(400, "Invalid input JSON: properties must be an object")
        problems: list[dict[str, Any]] = []
        cleaned: dict[str, str] = {}
        for name, raw in properties.items():
            definition = self._properties.get(name)
            if definition is None:
                problems.append(
                    self._problem(name, f'Property "{name}" does not exist', "PROPERTY_DOESNT_EXIST")
                )
                continue
            if definition.read_only:
                problems.append(self._problem(name, f'"{name}" is a read only property', "READ_ONLY_VALUE"))
                continue
            value = self._as_text(raw)
            if name == "email":
                value = value.strip().lower()
                if value and not EMAIL_PATTERN.match(value):
                    problems.append(self._problem(name, f"Email address {value} is invalid", "INVALID_EMAIL"))
                    continue
            if definition.options and value and value not in definition.options:
                message = f"{value} was not one of the allowed options: {list(definition.options)}"
                problems.append(self._problem(name, message, "INVALID_OPTION"))
                continue
            if definition.type == "number" and value and not re.fullmatch(r"-?\d+(\.\d+)?", value):
                problems.append(self._problem(name, f"{value} is not a valid number", "INVALID_INTEGER"))
                continue
            cleaned[name] = value
        if not problems and self._rules:
            current = {} if contact_id is None else dict(self._contacts[contact_id].properties)
            after = {k: v for k, v in {**current, **cleaned}.items() if v != ""}
            for rule in self._rules:
                if rule.rejects(after):
                    problems.append({"isValid": False, "message": rule.message, "error": "INVALID_VALUE"})
        if problems:
            raise _BadRequest(400, "Property values were not valid: " + json.dumps(problems))
        return cleaned

    @staticmethod
    def _problem(name: str, message: str, error: str) -> dict[str, Any]:
        return {"isValid": False, "message": message, "error": error, "name": name}

    @staticmethod
    def _as_text(raw: object) -> str:
        if raw is None:
            return ""
        if isinstance(raw, bool):
            return "true" if raw else "false"
        if isinstance(raw, int | float | str):
            return str(raw)
        raise _BadRequest(400, f"Invalid input JSON: property values must be strings, got {raw!r}")

    def _claim_emails(self, writes: list[tuple[_Contact | None, dict[str, str]]]) -> None:
        """409 when a write would give a live contact's email to another contact; 400 when two writes of
        one batch would share an email. Checked for the whole batch before anything is written."""
        claimed: dict[str, str] = {}
        for position, (contact, properties) in enumerate(writes):
            email = properties.get("email")
            if not email:
                continue
            owner = self._by_email.get(email)
            # A contact to be created has no id yet: its place in the batch stands for it.
            writer = f"new:{position}" if contact is None else contact.id
            if owner is not None and owner != writer:
                raise _BadRequest(409, f"Contact already exists. Existing ID: {owner}", "CONFLICT")
            if claimed.setdefault(email, writer) != writer:
                raise _BadRequest(400, f"Duplicate email in batch input: {email}")

    # ------------------------------------------------------------------ reading

    def _view(self, contact: _Contact) -> _View:
        if contact.current is None:
            contact.current = _View(contact.id, contact.properties, contact.created_ms, contact.updated_ms)
        return contact.current

    def _search_view(self, contact: _Contact) -> _View | None:
        """What the search index holds for a contact: None when it is not indexed yet."""
        if self.search_lag_ms <= 0 or not contact.indexed:
            return self._view(contact)
        now = self.now_ms()
        visible = [entry for entry in contact.indexed if entry[0] <= now]
        if not visible:
            return None
        # Forget the versions no later search can see.
        contact.indexed = contact.indexed[len(visible) - 1 :]
        return visible[-1][1]

    def _render(
        self, view: _View, wanted: Iterable[str] | None, archived_ms: int | None = None
    ) -> dict[str, Any]:
        if wanted is None:
            properties: dict[str, str | None] = dict(view.properties)
        else:
            names = dict.fromkeys([*wanted, *ALWAYS_RETURNED])
            properties = {name: view.properties.get(name) for name in names if name in self._properties}
        record: dict[str, Any] = {
            "id": view.id,
            "properties": properties,
            "createdAt": hubspot_time(view.created_ms),
            "updatedAt": hubspot_time(view.updated_ms),
            "archived": archived_ms is not None,
        }
        if archived_ms is not None:
            record["archivedAt"] = hubspot_time(archived_ms)
        return record

    def _value(self, view: _View, name: str) -> Any:
        """A property's typed value in a view, computed once per version."""
        cache = view.typed
        if name not in cache:
            cache[name] = self._typed(name, view.properties.get(name))
        return cache[name]

    def _typed(self, name: str, raw: str | None) -> Any:
        if raw is None or raw == "":
            return None
        kind = self._properties[name].type if name in self._properties else "string"
        if kind == "number":
            try:
                return float(raw)
            except ValueError:
                return None
        if kind == "datetime":
            return parse_hubspot_time(raw)
        if kind == "bool":
            return raw.lower() == "true"
        return raw.lower()

    def _predicate(self, spec: dict[str, Any]) -> Callable[[_View], bool]:
        """One filter as a test of a view, its values typed once (a search tests every contact)."""
        name, operator = spec["propertyName"], spec["operator"]

        def value(view: _View) -> Any:
            return self._value(view, name)

        if operator == "HAS_PROPERTY":
            return lambda view: value(view) is not None
        if operator == "NOT_HAS_PROPERTY":
            return lambda view: value(view) is None
        if operator in ("IN", "NOT_IN"):
            options = {self._typed(name, str(item)) for item in spec["values"]}
            wanted = operator == "IN"
            return lambda view: (value(view) in options) == wanted
        if operator == "CONTAINS_TOKEN":
            token = str(spec["value"]).lower()

            def contains(view: _View) -> bool:
                text = view.properties.get(name, "").lower()
                if "*" in token:
                    return fnmatch.fnmatchcase(text, token)
                return token == text or token in re.split(r"[^\w@.+-]+", text)

            return contains
        target = self._typed(name, str(spec["value"]))
        if operator == "EQ":
            return lambda view: bool(value(view) == target)
        if operator == "NEQ":
            return lambda view: bool(value(view) != target)
        if target is None:
            return lambda view: False
        high = self._typed(name, str(spec["highValue"])) if operator == "BETWEEN" else None
        compare: Callable[[Any], bool] = {
            "LT": lambda v: v < target,
            "LTE": lambda v: v <= target,
            "GT": lambda v: v > target,
            "GTE": lambda v: v >= target,
            "BETWEEN": lambda v: high is not None and target <= v <= high,
        }[operator]

        def ordered(view: _View) -> bool:
            cache = view.typed
            current = cache[name] if name in cache else self._value(view, name)
            return current is not None and bool(compare(current))

        return ordered

    def _compile(self, groups: list[list[dict[str, Any]]]) -> Callable[[_View], bool]:
        """Filters ANDed within a group, groups ORed."""
        compiled = [[self._predicate(spec) for spec in group] for group in groups]

        # Plain loops: this runs for every contact of every search that misses the cache.
        def matches(view: _View) -> bool:
            for group in compiled:
                for test in group:
                    if not test(view):
                        break
                else:
                    return True
            return False

        return matches

    def _check_filters(self, groups: object) -> list[list[dict[str, Any]]]:
        if not isinstance(groups, list):
            raise _BadRequest(400, "filterGroups must be a list")
        if len(groups) > MAX_FILTER_GROUPS:
            raise _BadRequest(
                400, f"Too many filter groups ({len(groups)}); the maximum is {MAX_FILTER_GROUPS}"
            )
        checked: list[list[dict[str, Any]]] = []
        operators = {
            "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
            "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN",
        }  # fmt: skip
        for group in groups:
            filters = group.get("filters") if isinstance(group, dict) else None
            if not isinstance(filters, list):
                raise _BadRequest(400, "each filter group needs a list of filters")
            if len(filters) > MAX_FILTERS_PER_GROUP:
                raise _BadRequest(400, f"Too many filters in a group; the maximum is {MAX_FILTERS_PER_GROUP}")
            normalized: list[dict[str, Any]] = []
            for spec in filters:
                if not isinstance(spec, dict) or spec.get("propertyName") not in self._properties:
                    name = spec.get("propertyName") if isinstance(spec, dict) else spec
                    raise _BadRequest(400, f"Property {name!r} does not exist or is not searchable")
                operator = spec.get("operator", "EQ")
                if operator not in operators:
                    raise _BadRequest(400, f"Unsupported filter operator {operator!r}")
                needed = {
                    "IN": "values",
                    "NOT_IN": "values",
                    "HAS_PROPERTY": None,
                    "NOT_HAS_PROPERTY": None,
                }.get(operator, "value")
                if needed is not None and spec.get(needed) is None:
                    raise _BadRequest(400, f"Filter {operator} on {spec['propertyName']} needs {needed}")
                if operator == "BETWEEN" and spec.get("highValue") is None:
                    raise _BadRequest(400, f"Filter BETWEEN on {spec['propertyName']} needs highValue")
                if needed == "values" and not isinstance(spec["values"], list):
                    raise _BadRequest(
                        400, f"Filter {operator} on {spec['propertyName']}: values must be a list"
                    )
                normalized.append({**spec, "operator": operator})
            checked.append(normalized)
        if sum(len(group) for group in checked) > MAX_FILTERS:
            raise _BadRequest(400, f"Too many filters; the maximum is {MAX_FILTERS}")
        return checked

    def _check_sorts(self, sorts: object) -> list[tuple[str, bool]]:
        if not isinstance(sorts, list):
            raise _BadRequest(400, "sorts must be a list")
        if len(sorts) > self.max_sorts:
            raise _BadRequest(400, f"Too many sorts ({len(sorts)}); the maximum is {self.max_sorts}")
        checked: list[tuple[str, bool]] = []
        for sort in sorts:
            if isinstance(sort, str):
                name, descending = sort.lstrip("-"), sort.startswith("-")
            elif isinstance(sort, dict) and isinstance(sort.get("propertyName"), str):
                direction = sort.get("direction", "ASCENDING")
                if direction not in ("ASCENDING", "DESCENDING"):
                    raise _BadRequest(400, f"Unknown sort direction {direction!r}")
                name, descending = sort["propertyName"], direction == "DESCENDING"
            else:
                raise _BadRequest(400, f"Invalid sort {sort!r}")
            if name not in self._properties:
                raise _BadRequest(400, f"Cannot sort on unknown property {name!r}")
            checked.append((name, descending))
        return checked

    def _tie_key(self, view: _View) -> Any:
        if self.tie_order == "scrambled":
            return hashlib.sha256(view.id.encode()).hexdigest()
        return int(view.id)

    def _indexed_views(self, lag_instant: int) -> list[_View]:
        """Every live contact as search sees it, kept while nothing changes (a walk runs many queries)."""
        key = (self._version, lag_instant)
        if self._indexed_cache is None or self._indexed_cache[0] != key:
            indexed = [self._search_view(contact) for contact in self._contacts.values() if contact.live]
            self._indexed_cache = (key, [view for view in indexed if view is not None])
        return self._indexed_cache[1]

    def _sorted_matches(
        self, groups: list[list[dict[str, Any]]], sorts: list[tuple[str, bool]], text_query: str
    ) -> list[_View]:
        # One pull pages through the same query many times over an unchanged store: answer from cache.
        lag_instant = self.now_ms() if self.search_lag_ms > 0 else 0
        key = (json.dumps([groups, sorts, text_query, self.tie_order]), self._version, lag_instant)
        cached = self._search_cache.get(key)
        if cached is not None:
            return cached
        views = list(self._indexed_views(lag_instant))  # sorted in place below
        if groups:
            matches = self._compile(groups)
            views = [view for view in views if matches(view)]
        if text_query:
            needle = text_query.lower()
            searched = ("email", "firstname", "lastname", "phone", "company")
            views = [
                view
                for view in views
                if any(needle in view.properties.get(name, "").lower() for name in searched)
            ]
        views.sort(key=self._tie_key)
        for name, descending in reversed(sorts):
            # Python's sort is stable, also reversed: ties keep the order of the later keys.
            # Missing values sort last going up, first going down.
            def sort_key(view: _View, name: str = name) -> tuple[int, Any]:
                value = self._value(view, name)
                return (1, 0) if value is None else (0, value)

            views.sort(key=sort_key, reverse=descending)
        self._search_cache = {key: views}
        return views

    # ------------------------------------------------------------------ routes

    def endpoints(self) -> frozenset[str]:
        return frozenset(
            {
                "search", "list", "get", "archive", "batch_read", "batch_create", "batch_update",
                "batch_upsert", "batch_archive", "merge", "properties", "property",
            }
        )  # fmt: skip

    def _route(self, method: str, path: str) -> Route | None:
        path = path.rstrip("/")
        fixed: dict[tuple[str, str], tuple[str, Callable[[Query, Any], Reply]]] = {
            ("POST", f"{CONTACTS}/search"): ("search", self._search),
            ("GET", CONTACTS): ("list", self._list),
            ("POST", f"{CONTACTS}/batch/read"): ("batch_read", self._batch_read),
            ("POST", f"{CONTACTS}/batch/create"): ("batch_create", self._batch_create),
            ("POST", f"{CONTACTS}/batch/update"): ("batch_update", self._batch_update),
            ("POST", f"{CONTACTS}/batch/upsert"): ("batch_upsert", self._batch_upsert),
            ("POST", f"{CONTACTS}/batch/archive"): ("batch_archive", self._batch_archive),
            ("POST", f"{CONTACTS}/merge"): ("merge", self._merge_request),
            ("GET", "/crm/v3/properties/contacts"): ("properties", self._list_properties),
        }
        if (method, path) in fixed:
            endpoint, handler = fixed[(method, path)]
            return Route(endpoint, self._guarded(lambda _params, query, body: handler(query, body)), ())
        single = re.fullmatch(rf"{CONTACTS}/([^/]+)", path)
        if single is not None and method in ("GET", "DELETE"):
            endpoint = "get" if method == "GET" else "archive"
            handler_one = self._get_one if method == "GET" else self._archive_one
            return Route(endpoint, self._guarded(handler_one), (single.group(1),))
        prop = re.fullmatch(r"/crm/v3/properties/contacts/([^/]+)", path)
        if prop is not None and method == "GET":
            return Route("property", self._guarded(self._get_property), (prop.group(1),))
        return None

    def _guarded(self, handler: Callable[[tuple[str, ...], Query, Any], Reply]) -> Callable[..., Reply]:
        def run(params: tuple[str, ...], query: Query, body: Any) -> Reply:
            try:
                return handler(params, query, body)
            except _BadRequest as refusal:
                return self._error(refusal.status, refusal.message, refusal.category)

        return run

    def _error(self, status: int, message: str, code: str) -> Reply:
        category = {"NOT_FOUND": "OBJECT_NOT_FOUND", "INVALID_JSON": "VALIDATION_ERROR"}.get(code, code)
        return json_reply(
            status,
            {
                "status": "error",
                "message": message,
                "correlationId": self._correlation_id(),
                "category": category,
            },
        )

    def _correlation_id(self) -> str:
        digest = hashlib.sha256(str(len(self.requests)).encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"

    def _unauthorized(self) -> Reply:
        message = (
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
            "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
        )
        return self._error(401, message, "INVALID_AUTHENTICATION")

    def _rate_limited(self, policy: str, retry_after_seconds: float) -> Reply:
        message = {
            "SECONDLY": "You have reached your secondly limit.",
            "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        }.get(policy, "You have reached your limit.")
        payload = {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": self._correlation_id(),
            "policyName": policy,
        }
        seconds = f"{retry_after_seconds:g}"
        return json_reply(429, payload, {"Retry-After": seconds})

    def _injected_reply(self, rule: _Injected) -> Reply:
        if rule.retry_after_seconds is not None:
            return self._rate_limited("SECONDLY", rule.retry_after_seconds)
        return self._error(rule.status, "internal error (injected by the test)", "INTERNAL_ERROR")

    def _admit(self, endpoint: str) -> Reply | None:
        now = self.now_ms()
        if endpoint == "search":
            limit, window_ms, policy = self.search_requests_per_second, 1000, "SECONDLY"
        else:
            limit, window_ms, policy = self.requests_per_ten_seconds, 10_000, "TEN_SECONDLY_ROLLING"
        self._last_window_remaining = None
        if limit is None:
            return None
        window = (policy, now // window_ms)
        used = self._windows.get(window, 0)
        if used >= limit:
            return self._rate_limited(policy, math.ceil((window_ms - now % window_ms) / 1000))
        self._windows = {key: count for key, count in self._windows.items() if key[1] >= window[1] - 1}
        self._windows[window] = used + 1
        if endpoint != "search":
            self._last_window_remaining = limit - used - 1
        return None

    def _finish(self, reply: Reply) -> Reply:
        # HubSpot sends its rate-limit headers on the non-search endpoints only.
        if self._last_window_remaining is not None and self.requests_per_ten_seconds is not None:
            reply.headers.update(
                {
                    "X-HubSpot-RateLimit-Max": str(self.requests_per_ten_seconds),
                    "X-HubSpot-RateLimit-Remaining": str(self._last_window_remaining),
                    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                }
            )
            self._last_window_remaining = None
        return reply

    # ------------------------------------------------------------------ handlers

    @staticmethod
    def _body(body: Any) -> dict[str, Any]:
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise _BadRequest(400, "Invalid input JSON: expected an object")
        return body

    @staticmethod
    def _int(value: object, name: str, default: int) -> int:
        if value is None or value == "":
            return default
        try:
            return int(str(value))
        except ValueError:
            raise _BadRequest(400, f"{name} must be an integer, got {value!r}") from None

    def _wanted(self, names: object, default: Iterable[str]) -> list[str]:
        if names is None:
            return list(default)
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise _BadRequest(400, "properties must be a list of property names")
        return names

    def _search(self, _query: Query, body: Any) -> Reply:
        request = self._body(body)
        limit = self._int(request.get("limit"), "limit", 10)
        after = self._int(request.get("after"), "after", 0)
        if not 1 <= limit <= SEARCH_PAGE_MAX:
            raise _BadRequest(400, f"limit must be between 1 and {SEARCH_PAGE_MAX}, got {limit}")
        if after < 0:
            raise _BadRequest(400, f"after must not be negative, got {after}")
        if after + limit > SEARCH_RESULT_CAP:
            raise _BadRequest(
                400,
                f"Search results are limited to {SEARCH_RESULT_CAP} results per query; "
                f"after={after} with limit={limit} pages beyond them. Narrow the query.",
            )
        groups = self._check_filters(request.get("filterGroups", []))
        sorts = self._check_sorts(request.get("sorts", []))
        wanted = self._wanted(request.get("properties"), SEARCH_DEFAULT_PROPERTIES)
        text_query = str(request.get("query") or "")
        matches = self._sorted_matches(groups, sorts, text_query)
        page = matches[after : after + limit]
        answer: dict[str, Any] = {"total": len(matches), "results": [self._render(v, wanted) for v in page]}
        if after + len(page) < len(matches):
            answer["paging"] = {"next": {"after": str(after + len(page))}}
        return json_reply(200, answer)

    def _list(self, query: Query, _body: Any) -> Reply:
        limit = self._int(query_value(query, "limit"), "limit", 10)
        if not 1 <= limit <= LIST_PAGE_MAX:
            raise _BadRequest(400, f"limit must be between 1 and {LIST_PAGE_MAX}, got {limit}")
        after = self._int(query_value(query, "after"), "after", 0)
        archived = query_value(query, "archived") == "true"
        names = query_list(query, "properties")
        wanted = names or list(LIST_DEFAULT_PROPERTIES)
        chosen = [
            contact
            for contact in self._ordered()
            if int(contact.id) > after and (contact.archived_ms is not None if archived else contact.live)
        ]
        page = chosen[:limit]
        answer: dict[str, Any] = {
            "results": [self._render(self._view(c), wanted, archived_ms=c.archived_ms) for c in page]
        }
        if len(chosen) > limit:
            next_after = page[-1].id
            link_query = f"limit={limit}&after={next_after}&archived={str(archived).lower()}"
            if names:
                link_query += "&properties=" + quote(",".join(names))
            answer["paging"] = {"next": {"after": next_after, "link": f"{self.url}{CONTACTS}?{link_query}"}}
        return json_reply(200, answer)

    def _get_one(self, params: tuple[str, ...], query: Query, _body: Any) -> Reply:
        (contact_id,) = params
        wanted = query_list(query, "properties") or list(LIST_DEFAULT_PROPERTIES)
        if query_value(query, "idProperty") == "email":
            contact_id = self._by_email.get(contact_id.strip().lower(), "")
        archived = query_value(query, "archived") == "true"
        target = self._contacts.get(self._resolve(contact_id))
        if target is None or target.merged_into is not None or (target.archived_ms is not None) != archived:
            return self._error(
                404, f"Object not found. objectId are usually numeric. ({params[0]})", "NOT_FOUND"
            )
        return json_reply(200, self._render(self._view(target), wanted, archived_ms=target.archived_ms))

    def _archive_one(self, params: tuple[str, ...], _query: Query, _body: Any) -> Reply:
        contact = self._lookup(params[0])
        if contact is not None:
            self._archive(contact)
        return Reply(204, b"")

    def _inputs(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        inputs = request.get("inputs")
        if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
            raise _BadRequest(400, "inputs must be a list of objects")
        if len(inputs) > BATCH_MAX:
            raise _BadRequest(400, f"Batch input may not exceed {BATCH_MAX} inputs, got {len(inputs)}")
        return inputs

    def _batch_answer(self, status: int, results: list[dict[str, Any]], missing: list[str]) -> Reply:
        if self.reorder_batch_results:
            results = results[::-1]
        now = hubspot_time(self.now_ms())
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": now,
            "completedAt": now,
        }
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Could not get some CONTACT objects, they may be deleted or not exist. "
                    "Check that ids are valid.",
                    "context": {"ids": missing},
                }
            ]
            status = 207
        return json_reply(status, answer)

    def _batch_read(self, _query: Query, body: Any) -> Reply:
        request = self._body(body)
        inputs = self._inputs(request)
        wanted = self._wanted(request.get("properties"), LIST_DEFAULT_PROPERTIES)
        by_email = request.get("idProperty") == "email"
        results, missing = [], []
        for item in inputs:
            key = str(item.get("id", ""))
            contact_id = self._by_email.get(key.strip().lower(), "") if by_email else key
            contact = self._lookup(contact_id)
            if contact is None:
                missing.append(key)
            else:
                results.append(self._render(self._view(contact), wanted))
        return self._batch_answer(200, results, missing)

    def _batch_create(self, _query: Query, body: Any) -> Reply:
        inputs = self._inputs(self._body(body))
        cleaned = [self._clean(item.get("properties") or {}) for item in inputs]
        self._claim_emails([(None, properties) for properties in cleaned])
        created = [self._create(properties) for properties in cleaned]
        return self._batch_answer(201, [self._render(self._view(c), None) for c in created], [])

    def _batch_update(self, _query: Query, body: Any) -> Reply:
        inputs = self._inputs(self._body(body))
        writes: list[tuple[_Contact, dict[str, str]]] = []
        missing: list[str] = []
        for item in inputs:
            contact = self._lookup(str(item.get("id", "")))
            if contact is None:
                missing.append(str(item.get("id", "")))
                continue
            writes.append((contact, self._clean(item.get("properties") or {}, contact.id)))
        self._claim_emails([(contact, properties) for contact, properties in writes])
        for contact, properties in writes:
            self._update(contact, properties)
        return self._batch_answer(200, [self._render(self._view(c), None) for c, _ in writes], missing)

    def _batch_upsert(self, _query: Query, body: Any) -> Reply:
        inputs = self._inputs(self._body(body))
        planned: list[tuple[_Contact | None, dict[str, str]]] = []
        seen: set[str] = set()
        for item in inputs:
            if item.get("idProperty") != "email":
                raise _BadRequest(400, "batch upsert of contacts needs idProperty: email")
            email = str(item.get("id", "")).strip().lower()
            if not EMAIL_PATTERN.match(email):
                raise _BadRequest(400, f"Email address {email} is invalid")
            if email in seen:
                raise _BadRequest(400, f"Duplicate IDs found in batch input: [{email}]")
            seen.add(email)
            existing_id = self._by_email.get(email)
            properties = self._clean({**(item.get("properties") or {}), "email": email}, existing_id)
            planned.append((None if existing_id is None else self._contacts[existing_id], properties))
        self._claim_emails(planned)
        results = []
        for contact, properties in planned:
            if contact is None:
                written, new = self._create(properties), True
            else:
                self._update(contact, properties)
                written, new = contact, False
            results.append({**self._render(self._view(written), None), "new": new})
        return self._batch_answer(200, results, [])

    def _batch_archive(self, _query: Query, body: Any) -> Reply:
        for item in self._inputs(self._body(body)):
            contact = self._lookup(str(item.get("id", "")))
            if contact is not None:
                self._archive(contact)
        return Reply(204, b"")

    def _merge_request(self, _query: Query, body: Any) -> Reply:
        request = self._body(body)
        primary = self._lookup(str(request.get("primaryObjectId", "")))
        secondary = self._lookup(str(request.get("objectIdToMerge", "")))
        if primary is None or secondary is None:
            raise _BadRequest(404, "Object not found for merge", "OBJECT_NOT_FOUND")
        survivor = self._merge(primary, secondary)
        return json_reply(200, self._render(self._view(survivor), None))

    def _list_properties(self, _query: Query, _body: Any) -> Reply:
        return json_reply(200, {"results": [p.public() for p in self._properties.values()]})

    def _get_property(self, params: tuple[str, ...], _query: Query, _body: Any) -> Reply:
        definition = self._properties.get(params[0])
        if definition is None:
            raise _BadRequest(404, f"Unable to find property {params[0]}", "OBJECT_NOT_FOUND")
        return json_reply(200, definition.public())
