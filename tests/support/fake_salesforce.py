"""A fake Salesforce (REST API, the Contact object) on loopback, in memory, for the sync engine's tests.

    salesforce = FakeSalesforce(token="sf-token").start()   # or `with FakeSalesforce(...) as salesforce:`
    instance_url = salesforce.url                            # the connection's instance_url

Lifecycle, clock, request log, counters, failure injection and auth are shared with the HubSpot fake
and described in `tests/support/fake_crm.py`. Everything below is Salesforce's.

Records. A Contact has `Id` (18 characters: prefix `003`, a counter, and the real case-safe checksum
suffix; 15-character ids are accepted in requests), `FirstName`, `LastName` (required, as in every
org), `Email`, `Phone`, `MobilePhone`, `Title`, `Department`, `AccountId` (an `001...` id, checked for
shape only), the custom `Favorite_Color__c`, the read-only `Name` (first and last name), `IsDeleted`,
`MasterRecordId`, `CreatedDate`, `LastModifiedDate` and `SystemModstamp`. Datetimes are written as
Salesforce writes them, `2026-11-29T18:00:00.000+0000`, and are kept to the second
(`timestamp_resolution_ms = 1000`, as Salesforce stores them: many records share one `SystemModstamp`).
Every save moves `LastModifiedDate` and `SystemModstamp`, even one that changes nothing (Salesforce
does); a delete, an undelete and a merge move `SystemModstamp`. Empty strings are stored as null.
Emails are kept as given and need not be unique (Salesforce allows duplicates).

API version: every path is `/services/data/vNN.N/...`; any version is accepted and echoed in the URLs
of the answer. Endpoints (name for the counters in brackets):

- `GET .../query?q=<SOQL>` [query] and `GET .../queryAll?q=` [query_all] (queryAll also answers deleted
  and merged-away rows, `IsDeleted = true`). The SOQL subset: `SELECT f1, f2 FROM Contact [WHERE expr]
  [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n]`, where `expr` combines with AND, OR, NOT
  and parentheses the conditions `f = v`, `!=`, `<>`, `<`, `<=`, `>`, `>=`, `f [NOT] IN (v, ...)` and
  `f LIKE 'a%'`. Values: quoted strings (`\\'` escapes), datetimes unquoted (`2026-11-29T18:00:00Z`,
  `2026-11-29T18:00:00.000+0000`), numbers, `true`/`false`, `null`. Field names are case-insensitive;
  text compares case-insensitively, ids exactly. A datetime field compared with a quoted or date value
  answers 400 INVALID_QUERY_FILTER_OPERATOR (as Salesforce does); an unknown field 400 INVALID_FIELD;
  another object 400 INVALID_TYPE; anything outside the subset (aggregates, relationships, date
  literals like TODAY, OFFSET, GROUP BY, subqueries...) 400 MALFORMED_QUERY. Errors are
  `[{message, errorCode}]`. Order without ORDER BY: Id. Nulls sort first going up, last going down.
  Answer `{totalSize, done, records: [{attributes: {type: "Contact", url}, <fields in SELECT order>}],
  nextRecordsUrl}`: the query's result is fixed when it runs and served in batches of `batch_size`
  (2,000 by default; a test may set it lower; a `Sforce-Query-Options: batchSize=n` header lowers it
  too, clamped to 200..2,000) through `nextRecordsUrl` (`/services/data/vNN.N/query/01g...-2000`).
- `GET <nextRecordsUrl>` [query_more]. Only the `max_open_cursors` (10, as Salesforce) newest query
  cursors stay open; an older or unknown one answers 400 INVALID_QUERY_LOCATOR.
- `POST .../composite/sobjects` [collections_create] `{allOrNone, records: [{attributes: {type:
  "Contact"}, ...fields}]}`, `PATCH` same path [collections_update] (records carry `id` or `Id`), and
  `DELETE .../composite/sobjects?ids=a,b&allOrNone=false` [collections_delete] (a soft delete). At most
  200 records or ids (400 EXCEEDED_ID_LIMIT). Answer 200 and a list, in input order, of `{id, success,
  errors: [{statusCode, message, fields}]}`. A record can fail alone (allOrNone false, the default):
  REQUIRED_FIELD_MISSING (no LastName), INVALID_EMAIL_ADDRESS, STRING_TOO_LONG, MALFORMED_ID,
  INVALID_TYPE_ON_FIELD_IN_RECORD (a value of the wrong JSON type for its field),
  INVALID_FIELD_FOR_INSERT_UPDATE (a read-only field, or an Id on create), MISSING_ARGUMENT (no id on
  update), ENTITY_IS_DELETED, INVALID_CROSS_REFERENCE_KEY (no such id), or a validation rule the test
  added (FIELD_CUSTOM_VALIDATION_EXCEPTION). With `allOrNone: true` one failure writes nothing and the
  others answer ALL_OR_NONE_OPERATION_ROLLED_BACK. Failed creates carry no `id`. An unknown field name
  fails the whole request (400 INVALID_FIELD); so does another sObject type (400 INVALID_TYPE).
- `GET .../sobjects/Contact/describe` [describe] -> `{name, label, keyPrefix, fields: [{name, label,
  type, length, custom, createable, updateable, nillable, filterable, sortable, calculated,
  referenceTo, ...}]}`.
- `GET .../sobjects/Contact/{id}` [sobject_get] (`fields=` to choose; deleted: 404 NOT_FOUND),
  `GET .../limits` [limits] (`DailyApiRequests`), `GET /services/data` [versions].

API usage: every authenticated request to an endpoint (injected failures aside) counts against
`daily_limit` (15,000 by default) in `api_usage`; every answer carries `Sforce-Limit-Info: api-usage=<used>/<limit>`; past the limit,
requests answer 403 `[{"message": "TotalRequests Limit exceeded.", "errorCode":
"REQUEST_LIMIT_EXCEEDED"}]` (Salesforce's refusal, which has no Retry-After). `rate_limit_next()`
answers the same 403 (its `retry_after_seconds` is ignored). Injected 5xx answer UNKNOWN_EXCEPTION (500)
or SERVER_UNAVAILABLE (503). A bad token answers 401 INVALID_SESSION_ID.

Helpers for tests, without HTTP (the same clock and validation; a refused write raises ValueError):

    add(fields=None, **fields) -> Id                # e.g. salesforce.add(LastName="Lee", Email="a@x.io")
    add_many([fields, ...]) -> [Id, ...]
    modify(id, **changes)                           # a save: moves LastModifiedDate and SystemModstamp
    touch(*ids)                                     # a save that changes nothing
    touch_system(*ids)                              # a system change: SystemModstamp only
    delete(id); undelete(id)                        # IsDeleted, seen by queryAll only
    merge(master_id, *loser_ids)                    # 1 or 2 losers: IsDeleted, MasterRecordId = master
    get(id) -> record | None                        # every field, as a query would answer it
    records(include_deleted=False) -> [record, ...] # Id order
    add_field(name, type="string", label=None, length=255)
    add_validation_rule(rejects, message, fields=(), status_code="FIELD_CUSTOM_VALIDATION_EXCEPTION")
                                                    # rejects(record after the write) -> True refuses it
"""

from __future__ import annotations

import functools
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

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

CONTACT_PREFIX = "003"
ACCOUNT_PREFIX = "001"
QUERY_LOCATOR_PREFIX = "01g"
COLLECTION_MAX = 200
BATCH_SIZE_DEFAULT = 2000
BATCH_SIZE_MIN = 200
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_TYPES = frozenset({"string", "email", "phone", "textarea", "picklist", "url"})
ID_TYPES = frozenset({"id", "reference"})
NUMERIC_TYPES = frozenset({"double", "int", "currency", "percent"})


# ---------------------------------------------------------------------------------------------- ids


def _checksum(id15: str) -> str:
    """Salesforce's suffix: for each 5-character chunk, a bit per uppercase letter, as one character."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for position, character in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= character <= "Z":
                bits |= 1 << position
        suffix += CHECKSUM_ALPHABET[bits]
    return suffix


def salesforce_id(prefix: str, number: int) -> str:
    digits = ""
    while True:
        number, remainder = divmod(number, 62)
        digits = BASE62[remainder] + digits
        if number == 0:
            break
    # Fixed width, so text order is creation order (base-62 digits are in ASCII order).
    id15 = prefix + "5g" + digits.rjust(10, "0")
    return id15 + _checksum(id15)


def normalize_id(value: object, prefix: str | None = None) -> str | None:
    """The 18-character form of a 15- or 18-character id; None when it is not one."""
    if not isinstance(value, str) or len(value) not in (15, 18) or not value.isalnum():
        return None
    id15 = value[:15]
    if len(value) == 18 and value[15:].upper() != _checksum(id15):
        return None
    if prefix is not None and not id15.startswith(prefix):
        return None
    return id15 + _checksum(id15)


# ---------------------------------------------------------------------------------------------- time


@functools.lru_cache(maxsize=8192)
def salesforce_time(ms: int) -> str:
    """Salesforce's datetimes: `2026-11-29T18:00:00.000+0000`."""
    moment = time.gmtime(ms // 1000)
    return (
        f"{moment.tm_year:04d}-{moment.tm_mon:02d}-{moment.tm_mday:02d}T"
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}.{ms % 1000:03d}+0000"
    )


def parse_salesforce_time(text: str) -> int:
    """Epoch milliseconds from a SOQL or API datetime (`Z`, `+0000` or `+00:00`)."""
    normalized = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
    moment = datetime.fromisoformat(normalized)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


# ---------------------------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class FieldDefinition:
    name: str
    label: str
    type: str
    length: int = 0
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    custom: bool = False
    calculated: bool = False
    reference_to: tuple[str, ...] = ()

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "length": self.length,
            "custom": self.custom,
            "createable": self.createable,
            "updateable": self.updateable,
            "nillable": self.nillable,
            "filterable": True,
            "sortable": True,
            "calculated": self.calculated,
            "unique": False,
            "externalId": False,
            "idLookup": self.name in ("Id", "Email"),
            "defaultedOnCreate": self.name
            in ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"),
            "referenceTo": list(self.reference_to),
            "relationshipName": self.name[:-2] if self.type == "reference" else None,
            "soapType": {
                "id": "tns:ID",
                "reference": "tns:ID",
                "boolean": "xsd:boolean",
                "datetime": "xsd:dateTime",
            }.get(self.type, "xsd:string"),
        }


def _read_only(name: str, label: str, type: str, length: int = 0, **more: Any) -> FieldDefinition:
    return FieldDefinition(name, label, type, length, createable=False, updateable=False, **more)


STANDARD_FIELDS = (
    _read_only("Id", "Contact ID", "id", 18, nillable=False),
    _read_only("IsDeleted", "Deleted", "boolean", nillable=False),
    _read_only("MasterRecordId", "Master Record ID", "reference", 18, reference_to=("Contact",)),
    FieldDefinition("AccountId", "Account ID", "reference", 18, reference_to=("Account",)),
    FieldDefinition("LastName", "Last Name", "string", 80, nillable=False),
    FieldDefinition("FirstName", "First Name", "string", 40),
    _read_only("Name", "Full Name", "string", 121, calculated=True),
    FieldDefinition("Email", "Email", "email", 80),
    FieldDefinition("Phone", "Business Phone", "phone", 40),
    FieldDefinition("MobilePhone", "Mobile Phone", "phone", 40),
    FieldDefinition("Title", "Title", "string", 128),
    FieldDefinition("Department", "Department", "string", 80),
    _read_only("CreatedDate", "Created Date", "datetime", nillable=False),
    _read_only("LastModifiedDate", "Last Modified Date", "datetime", nillable=False),
    _read_only("SystemModstamp", "System Modstamp", "datetime", nillable=False),
    FieldDefinition("Favorite_Color__c", "Favorite Color", "string", 100, custom=True),
)


@dataclass
class _Contact:
    id: str
    values: dict[str, Any]
    created_ms: int
    modified_ms: int
    modstamp_ms: int
    is_deleted: bool = False
    master_record_id: str | None = None

    def value(self, name: str) -> Any:
        if name == "Id":
            return self.id
        if name == "IsDeleted":
            return self.is_deleted
        if name == "MasterRecordId":
            return self.master_record_id
        if name == "CreatedDate":
            return self.created_ms
        if name == "LastModifiedDate":
            return self.modified_ms
        if name == "SystemModstamp":
            return self.modstamp_ms
        if name == "Name":
            return " ".join(
                part for part in (self.values.get("FirstName"), self.values.get("LastName")) if part
            )
        return self.values.get(name)


class _Refused(Exception):
    """A whole request refused: HTTP status, Salesforce errorCode, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Rule:
    rejects: Callable[[dict[str, Any]], bool]
    message: str
    fields: tuple[str, ...]
    status_code: str


def _error_item(status_code: str, message: str, fields: Iterable[str] = ()) -> dict[str, Any]:
    return {"statusCode": status_code, "message": message, "fields": list(fields)}


# ---------------------------------------------------------------------------------------------- SOQL

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<string>'(?:[^'\\]|\\.)*')
    |(?P<op><=|>=|!=|<>|=|<|>)
    |(?P<punct>[(),:])
    |(?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    """,
    re.VERBOSE,
)
_CLAUSES = frozenset({"WHERE", "ORDER", "LIMIT", "GROUP", "HAVING", "OFFSET", "FOR", "WITH", "USING"})


@dataclass(frozen=True)
class _Literal:
    kind: str  # string | datetime | date | number | boolean | null
    value: Any


@dataclass(frozen=True)
class _Soql:
    fields: list[str]
    where: Any
    order: list[tuple[str, bool, bool]]  # field, descending, nulls first
    limit: int | None


def _malformed(message: str) -> _Refused:
    return _Refused(400, "MALFORMED_QUERY", message)


class _Parser:
    """Recursive descent over the SOQL subset; conditions become tuples evaluated by `_evaluate`."""

    def __init__(self, text: str, fields: Mapping[str, FieldDefinition]) -> None:
        self.fields = fields
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise _malformed(f"unexpected character at column {position + 1}: {text[position]!r}")
            position = match.end()
            kind = match.lastgroup or ""
            if kind != "ws":
                self.tokens.append((kind, match.group()))
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def peek_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].upper() in words

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _malformed("unexpected token: <EOF>")
        self.position += 1
        return token

    def expect_word(self, word: str) -> None:
        kind, text = self.take()
        if kind != "word" or text.upper() != word:
            raise _malformed(f"unexpected token: '{text}' (expected {word})")

    def expect(self, text: str) -> None:
        token = self.take()
        if token[1] != text:
            raise _malformed(f"unexpected token: '{token[1]}' (expected '{text}')")

    def field(self) -> FieldDefinition:
        kind, text = self.take()
        if kind != "word" or text.upper() in _CLAUSES or text.upper() == "FROM":
            raise _malformed(f"unexpected token: '{text}'")
        if "." in text:
            raise _malformed(f"relationship fields ({text}) are outside the fake's SOQL subset")
        if self.peek() == ("punct", "("):
            raise _malformed(f"functions ({text}()) are outside the fake's SOQL subset")
        definition = self.fields.get(text.lower())
        if definition is None:
            raise _Refused(
                400,
                "INVALID_FIELD",
                f"No such column '{text}' on entity 'Contact'. If you are attempting to use a custom field, "
                "be sure to append the '__c' after the custom field name.",
            )
        return definition

    def parse(self) -> _Soql:
        self.expect_word("SELECT")
        if self.peek() == ("punct", "("):
            raise _malformed("subqueries are outside the fake's SOQL subset")
        selected = [self.field().name]
        while self.peek() == ("punct", ","):
            self.take()
            selected.append(self.field().name)
        self.expect_word("FROM")
        kind, sobject = self.take()
        if kind != "word":
            raise _malformed(f"unexpected token: '{sobject}'")
        if sobject.lower() != "contact":
            raise _Refused(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        where = None
        if self.peek_word("WHERE"):
            self.take()
            where = self.disjunction()
        order: list[tuple[str, bool, bool]] = []
        if self.peek_word("ORDER"):
            self.take()
            self.expect_word("BY")
            order.append(self.order_item())
            while self.peek() == ("punct", ","):
                self.take()
                order.append(self.order_item())
        limit = None
        if self.peek_word("LIMIT"):
            self.take()
            kind, text = self.take()
            if kind != "number" or not text.isdigit():
                raise _malformed(f"unexpected token: '{text}' (LIMIT needs a whole number)")
            limit = int(text)
        token = self.peek()
        if token is not None:
            raise _malformed(f"unexpected token: '{token[1]}'")
        return _Soql(selected, where, order, limit)

    def order_item(self) -> tuple[str, bool, bool]:
        name = self.field().name
        descending = False
        if self.peek_word("ASC", "DESC"):
            descending = self.take()[1].upper() == "DESC"
        nulls_first = not descending
        if self.peek_word("NULLS"):
            self.take()
            text = self.take()[1]
            if text.upper() not in ("FIRST", "LAST"):
                raise _malformed(f"unexpected token: '{text}' (expected FIRST or LAST)")
            nulls_first = text.upper() == "FIRST"
        return name, descending, nulls_first

    def disjunction(self) -> Any:
        terms = [self.conjunction()]
        while self.peek_word("OR"):
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else ("or", terms)

    def conjunction(self) -> Any:
        terms = [self.negation()]
        while self.peek_word("AND"):
            self.take()
            terms.append(self.negation())
        return terms[0] if len(terms) == 1 else ("and", terms)

    def negation(self) -> Any:
        if self.peek_word("NOT"):
            self.take()
            return ("not", self.negation())
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.disjunction()
            self.expect(")")
            return inner
        return self.condition()

    def condition(self) -> Any:
        definition = self.field()
        if self.peek_word("NOT", "IN"):
            negated = self.take()[1].upper() == "NOT"
            if negated:
                self.expect_word("IN")
            self.expect("(")
            values = [self.literal_for(definition, "IN")]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.literal_for(definition, "IN"))
            self.expect(")")
            return ("in", definition.name, negated, [literal.value for literal in values])
        if self.peek_word("LIKE"):
            self.take()
            literal = self.literal_for(definition, "LIKE")
            if literal.kind != "string":
                raise _malformed("LIKE needs a quoted string")
            pattern = "".join(
                ".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in str(literal.value)
            )
            return ("like", definition.name, re.compile(pattern, re.IGNORECASE | re.DOTALL))
        kind, operator = self.take()
        if kind != "op":
            raise _malformed(f"unexpected token: '{operator}'")
        operator = "!=" if operator == "<>" else operator
        literal = self.literal_for(definition, operator)
        if literal.kind == "null" and operator not in ("=", "!="):
            raise _Refused(
                400, "INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on null for {definition.name}"
            )
        return ("cmp", definition.name, operator, literal.value)

    def literal(self) -> _Literal:
        kind, text = self.take()
        if kind == "string":
            return _Literal("string", re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "datetime":
            return _Literal("datetime", parse_salesforce_time(text))
        if kind == "date":
            return _Literal("date", text)
        if kind == "number":
            return _Literal("number", float(text))
        if kind == "word" and text.upper() in ("TRUE", "FALSE"):
            return _Literal("boolean", text.upper() == "TRUE")
        if kind == "word" and text.upper() == "NULL":
            return _Literal("null", None)
        raise _malformed(
            f"unexpected token: '{text}' (date literals and bind variables are outside the subset)"
        )

    def literal_for(self, definition: FieldDefinition, operator: str) -> _Literal:
        """A literal checked against the field's type, as Salesforce checks it."""
        literal = self.literal()
        if literal.kind == "null":
            return literal
        wrong = _Refused(
            400,
            "INVALID_QUERY_FILTER_OPERATOR",
            f"value of filter criterion for field '{definition.name}' must be of type "
            f"{ {'datetime': 'dateTime'}.get(definition.type, definition.type) }"
            + (" and should not be enclosed in quotes" if definition.type in ("datetime", "boolean") else ""),
        )
        if definition.type == "datetime":
            if literal.kind != "datetime":
                raise wrong
            return literal
        if definition.type == "boolean":
            if literal.kind != "boolean":
                raise wrong
            return literal
        if definition.type in NUMERIC_TYPES:
            if literal.kind != "number":
                raise wrong
            return literal
        if literal.kind != "string":
            raise wrong
        if definition.type in ID_TYPES:
            normalized = normalize_id(literal.value)
            if normalized is None:
                raise _Refused(400, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {literal.value}")
            return _Literal("string", normalized)
        return _Literal("string", str(literal.value).lower())


def _comparable(definition: FieldDefinition, value: Any) -> Any:
    if isinstance(value, str) and definition.type not in ID_TYPES:
        return value.lower()
    return value


def _evaluate(node: Any, contact: _Contact, fields: Mapping[str, FieldDefinition]) -> bool:
    kind = node[0]
    if kind == "and":
        return all(_evaluate(term, contact, fields) for term in node[1])
    if kind == "or":
        return any(_evaluate(term, contact, fields) for term in node[1])
    if kind == "not":
        return not _evaluate(node[1], contact, fields)
    name = node[1]
    value = _comparable(fields[name.lower()], contact.value(name))
    if kind == "in":
        return bool((value in node[3]) != node[2])
    if kind == "like":
        return value is not None and node[2].fullmatch(value) is not None
    operator, target = node[2], node[3]
    if operator == "=":
        return bool(value == target)
    if operator == "!=":
        return bool(value != target)
    if value is None:
        return False
    return bool(
        {
            "<": value < target,
            "<=": value <= target,
            ">": value > target,
            ">=": value >= target,
        }[operator]
    )


# ---------------------------------------------------------------------------------------------- the fake


class FakeSalesforce(FakeCrm):
    write_endpoints: ClassVar[frozenset[str]] = frozenset(
        {"collections_create", "collections_update", "collections_delete"}
    )

    def __init__(self, token: str = DEFAULT_TOKEN, clock: Clock | None = None) -> None:
        super().__init__(token, clock)
        self.batch_size = BATCH_SIZE_DEFAULT
        self.max_open_cursors = 10
        self.daily_limit = 15_000
        self.api_usage = 0
        self.timestamp_resolution_ms = 1000
        self._next_number = 1
        self._next_locator = 1
        self._contacts: dict[str, _Contact] = {}
        self._fields: dict[str, FieldDefinition] = {f.name.lower(): f for f in STANDARD_FIELDS}
        self._rules: list[_Rule] = []
        self._cursors: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()

    # ------------------------------------------------------------------ helpers for tests

    def add(self, fields: Mapping[str, object] | None = None, /, **more: object) -> str:
        return self.add_many([{**(fields or {}), **more}])[0]

    def add_many(self, items: Iterable[Mapping[str, object]]) -> list[str]:
        with self._lock:
            prepared = []
            for item in items:
                values, errors = self._prepare(self._canonical(item), None)
                self._raise_for(errors)
                prepared.append(values)
            return [self._create(values).id for values in prepared]

    def modify(self, contact_id: str, **changes: object) -> None:
        with self._lock:
            contact = self._require(contact_id)
            values, errors = self._prepare(self._canonical(changes), contact)
            self._raise_for(errors)
            self._save(contact, values)

    def touch(self, *contact_ids: str) -> None:
        with self._lock:
            for contact_id in contact_ids:
                self._save(self._require(contact_id), {})

    def touch_system(self, *contact_ids: str) -> None:
        with self._lock:
            for contact_id in contact_ids:
                self._require(contact_id).modstamp_ms = self._now()

    def delete(self, contact_id: str) -> None:
        with self._lock:
            self._delete(self._require(contact_id))

    def undelete(self, contact_id: str) -> None:
        with self._lock:
            contact = self._contacts[self._id(contact_id)]
            contact.is_deleted = False
            contact.master_record_id = None
            contact.modstamp_ms = self._now()

    def merge(self, master_id: str, *loser_ids: str) -> None:
        with self._lock:
            if not 1 <= len(loser_ids) <= 2:
                raise ValueError("a merge takes a master and one or two other records")
            master = self._require(master_id)
            losers = [self._require(loser_id) for loser_id in loser_ids]
            if any(loser.id == master.id for loser in losers):
                raise ValueError("a record cannot be merged into itself")
            for loser in losers:
                self._delete(loser)
                loser.master_record_id = master.id
            self._save(master, {})

    def get(self, contact_id: str) -> dict[str, Any] | None:
        with self._lock:
            contact = self._contacts.get(self._id(contact_id))
            return None if contact is None else self._render(contact, self._all_fields(), "60.0")

    def records(self, include_deleted: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            return [
                self._render(contact, self._all_fields(), "60.0")
                for contact in sorted(self._contacts.values(), key=lambda contact: contact.id)
                if include_deleted or not contact.is_deleted
            ]

    def add_field(self, name: str, type: str = "string", label: str | None = None, length: int = 255) -> None:
        with self._lock:
            self._fields[name.lower()] = FieldDefinition(name, label or name, type, length, custom=True)

    def add_validation_rule(
        self,
        rejects: Callable[[dict[str, Any]], bool],
        message: str,
        fields: Iterable[str] = (),
        status_code: str = "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    ) -> None:
        """`rejects` sees the record's writable fields (and `Id` on update) as they would be after the write."""
        with self._lock:
            self._rules.append(_Rule(rejects, message, tuple(fields), status_code))

    # ------------------------------------------------------------------ the store

    def _now(self) -> int:
        now = self.now_ms()
        return now - now % self.timestamp_resolution_ms

    def _all_fields(self) -> list[str]:
        return [definition.name for definition in self._fields.values()]

    @staticmethod
    def _id(contact_id: str) -> str:
        return normalize_id(contact_id) or contact_id

    def _require(self, contact_id: str) -> _Contact:
        contact = self._contacts.get(self._id(contact_id))
        if contact is None or contact.is_deleted:
            raise KeyError(f"no live contact {contact_id}")
        return contact

    def _create(self, values: dict[str, Any]) -> _Contact:
        now = self._now()
        contact_id = salesforce_id(CONTACT_PREFIX, self._next_number)
        self._next_number += 1
        contact = _Contact(contact_id, {k: v for k, v in values.items() if v is not None}, now, now, now)
        self._contacts[contact_id] = contact
        return contact

    def _save(self, contact: _Contact, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if value is None:
                contact.values.pop(name, None)
            else:
                contact.values[name] = value
        now = self._now()
        contact.modified_ms = now
        contact.modstamp_ms = now

    def _delete(self, contact: _Contact) -> None:
        contact.is_deleted = True
        contact.modstamp_ms = self._now()

    @staticmethod
    def _fits(definition: FieldDefinition, raw: object) -> bool:
        """JSON values as Salesforce takes them: numbers for numeric fields, booleans, else text."""
        if raw is None:
            return True
        if definition.type in NUMERIC_TYPES:
            return isinstance(raw, int | float) and not isinstance(raw, bool)
        if definition.type == "boolean":
            return isinstance(raw, bool)
        return isinstance(raw, str)

    @staticmethod
    def _raise_for(errors: list[dict[str, Any]]) -> None:
        if errors:
            raise ValueError("; ".join(f"{error['statusCode']}: {error['message']}" for error in errors))

    def _canonical(self, record: Mapping[str, object]) -> dict[str, object]:
        """Field names as Salesforce spells them; an unknown name refuses the whole request."""
        canonical: dict[str, object] = {}
        for name, value in record.items():
            definition = self._fields.get(name.lower())
            if definition is None:
                raise _Refused(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type Contact")
            canonical[definition.name] = value
        return canonical

    def _prepare(
        self, fields: dict[str, object], current: _Contact | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The values to write and the record's errors, as Salesforce reports them."""
        errors: list[dict[str, Any]] = []
        read_only = [name for name in fields if not self._fields[name.lower()].updateable]
        if current is None and "Id" in fields:
            errors.append(
                _error_item("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"])
            )
            read_only.remove("Id")
        if read_only:
            message = (
                f"Unable to create/update fields: {', '.join(read_only)}. Please check the security settings of "
                "this field and verify that it is read/write for your profile or permission set."
            )
            errors.append(_error_item("INVALID_FIELD_FOR_INSERT_UPDATE", message, read_only))
        values: dict[str, Any] = {}
        for name, raw in fields.items():
            definition = self._fields[name.lower()]
            if not definition.updateable:
                continue
            if not self._fits(definition, raw):
                message = f"{definition.label}: value not of required type: {raw}"
                errors.append(_error_item("INVALID_TYPE_ON_FIELD_IN_RECORD", message, [name]))
                continue
            value = raw if raw != "" else None
            if not isinstance(value, str):
                values[name] = value
                continue
            if value is not None and definition.length and len(value) > definition.length:
                message = (
                    f"{definition.label}: data value too large: {value} (max length={definition.length})"
                )
                errors.append(_error_item("STRING_TOO_LONG", message, [name]))
            elif value is not None and definition.type == "email" and not EMAIL_PATTERN.match(value):
                errors.append(
                    _error_item(
                        "INVALID_EMAIL_ADDRESS", f"{definition.label}: invalid email address: {value}", [name]
                    )
                )
            elif (
                value is not None
                and definition.type == "reference"
                and normalize_id(value, ACCOUNT_PREFIX) is None
            ):
                message = f"{definition.label}: id value of incorrect type: {value}"
                errors.append(_error_item("MALFORMED_ID", message, [name]))
            values[name] = value
        after = {**(current.values if current is not None else {}), **values}
        if not after.get("LastName"):
            errors.append(
                _error_item("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"])
            )
        if not errors:
            seen = {k: v for k, v in after.items() if v is not None}
            if current is not None:
                seen["Id"] = current.id
            errors.extend(
                _error_item(rule.status_code, rule.message, rule.fields)
                for rule in self._rules
                if rule.rejects(seen)
            )
        return values, errors

    # ------------------------------------------------------------------ answers

    def _render(self, contact: _Contact, names: Iterable[str], version: str) -> dict[str, Any]:
        record: dict[str, Any] = {
            "attributes": {
                "type": "Contact",
                "url": f"/services/data/v{version}/sobjects/Contact/{contact.id}",
            }
        }
        for name in names:
            value = contact.value(name)
            if value is not None and self._fields[name.lower()].type == "datetime":
                value = salesforce_time(value)
            record[name] = value
        return record

    def endpoints(self) -> frozenset[str]:
        return frozenset(
            {
                "versions", "query", "query_all", "query_more", "collections_create", "collections_update",
                "collections_delete", "describe", "sobject_get", "limits",
            }
        )  # fmt: skip

    def _route(self, method: str, path: str) -> Route | None:
        path = path.rstrip("/")
        if path == "/services/data" and method == "GET":
            return Route("versions", self._guarded(self._versions), ())
        match = re.fullmatch(r"/services/data/v(\d+\.\d)(/.*)", path)
        if match is None:
            return None
        version, rest = match.groups()
        table: list[tuple[str, str, str, Callable[..., Reply]]] = [
            ("GET", r"/query", "query", self._query),
            ("GET", r"/queryAll", "query_all", self._query_all),
            ("GET", r"/(?:query|queryAll)/([A-Za-z0-9]+-\d+)", "query_more", self._query_more),
            ("POST", r"/composite/sobjects", "collections_create", self._collections_create),
            ("PATCH", r"/composite/sobjects", "collections_update", self._collections_update),
            ("DELETE", r"/composite/sobjects", "collections_delete", self._collections_delete),
            ("GET", r"/sobjects/Contact/describe", "describe", self._describe),
            ("GET", r"/sobjects/Contact/([A-Za-z0-9]+)", "sobject_get", self._sobject_get),
            ("GET", r"/limits", "limits", self._limits),
        ]
        for route_method, pattern, endpoint, handler in table:
            found = re.fullmatch(pattern, rest)
            if found is not None and method == route_method:
                return Route(endpoint, self._guarded(handler), (version, *found.groups()))
        return None

    def _guarded(self, handler: Callable[..., Reply]) -> Callable[[tuple[str, ...], Query, Any], Reply]:
        def run(params: tuple[str, ...], query: Query, body: Any) -> Reply:
            try:
                return handler(params, query, body)
            except _Refused as refusal:
                return self._error(refusal.status, refusal.message, refusal.code)

        return run

    def _error(self, status: int, message: str, code: str) -> Reply:
        code = {"INVALID_JSON": "JSON_PARSER_ERROR"}.get(code, code)
        if code == "NOT_FOUND":
            message = "The requested resource does not exist"
        return json_reply(status, [{"message": message, "errorCode": code}])

    def _unauthorized(self) -> Reply:
        return self._error(401, "Session expired or invalid", "INVALID_SESSION_ID")

    def _limit_exceeded(self) -> Reply:
        return self._error(403, "TotalRequests Limit exceeded.", "REQUEST_LIMIT_EXCEEDED")

    def _injected_reply(self, rule: _Injected) -> Reply:
        if rule.retry_after_seconds is not None:
            return self._limit_exceeded()
        code = {503: "SERVER_UNAVAILABLE"}.get(rule.status, "UNKNOWN_EXCEPTION")
        message = "An unexpected error occurred (injected by the test)."
        return self._error(rule.status, message, code)

    def _admit(self, endpoint: str) -> Reply | None:
        if self.api_usage >= self.daily_limit:
            return self._limit_exceeded()
        self.api_usage += 1
        return None

    def _finish(self, reply: Reply) -> Reply:
        reply.headers["Sforce-Limit-Info"] = f"api-usage={self.api_usage}/{self.daily_limit}"
        return reply

    # ------------------------------------------------------------------ handlers

    def _versions(self, _params: tuple[str, ...], _query: Query, _body: Any) -> Reply:
        versions = [f"{number}.0" for number in range(55, 63)]
        return json_reply(
            200, [{"label": f"v{v}", "url": f"/services/data/v{v}", "version": v} for v in versions]
        )

    def _query(self, params: tuple[str, ...], query: Query, _body: Any) -> Reply:
        return self._run_query(params[0], query, include_deleted=False)

    def _query_all(self, params: tuple[str, ...], query: Query, _body: Any) -> Reply:
        return self._run_query(params[0], query, include_deleted=True)

    def _run_query(self, version: str, query: Query, include_deleted: bool) -> Reply:
        text = query_value(query, "q")
        if not text:
            raise _malformed("A query string (q) is required")
        soql = _Parser(text, self._fields).parse()
        chosen = [
            contact
            for contact in self._contacts.values()
            if (include_deleted or not contact.is_deleted)
            and (soql.where is None or _evaluate(soql.where, contact, self._fields))
        ]
        chosen.sort(key=lambda contact: contact.id)
        for name, descending, nulls_first in reversed(soql.order):
            definition = self._fields[name.lower()]
            null_key = (0, 0) if nulls_first != descending else (2, 0)

            def sort_key(
                contact: _Contact,
                definition: FieldDefinition = definition,
                null_key: tuple[int, int] = null_key,
            ) -> tuple[int, Any]:
                value = _comparable(definition, contact.value(definition.name))
                return null_key if value is None else (1, value)

            # Stable, also reversed: ties keep the order of the later keys.
            chosen.sort(key=sort_key, reverse=descending)
        if soql.limit is not None:
            chosen = chosen[: soql.limit]
        rows = [self._render(contact, soql.fields, version) for contact in chosen]
        return self._batch(version, rows, 0)

    def _effective_batch_size(self) -> int:
        size = self.batch_size
        options = self._request_headers.get("sforce-query-options", "")
        asked = re.search(r"batchSize\s*=\s*(\d+)", options)
        if asked is not None:
            size = min(size, max(BATCH_SIZE_MIN, min(BATCH_SIZE_DEFAULT, int(asked.group(1)))))
        return size

    def _batch(
        self, version: str, rows: list[dict[str, Any]], offset: int, locator: str | None = None
    ) -> Reply:
        size = self._effective_batch_size()
        end = offset + size
        answer: dict[str, Any] = {
            "totalSize": len(rows),
            "done": end >= len(rows),
            "records": rows[offset:end],
        }
        if end < len(rows):
            if locator is None:
                locator = salesforce_id(QUERY_LOCATOR_PREFIX, self._next_locator)
                self._next_locator += 1
                self._cursors[locator] = rows
                while len(self._cursors) > self.max_open_cursors:
                    self._cursors.popitem(last=False)
            answer["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
        return json_reply(200, answer)

    def _query_more(self, params: tuple[str, ...], _query: Query, _body: Any) -> Reply:
        version, cursor = params
        locator, _, offset = cursor.rpartition("-")
        rows = self._cursors.get(locator)
        if rows is None or int(offset) > len(rows):
            raise _Refused(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._batch(version, rows, int(offset), locator)

    def _records_of(self, body: Any) -> tuple[list[dict[str, Any]], bool]:
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise _Refused(400, "JSON_PARSER_ERROR", "The request body needs a records list")
        records = body["records"]
        if len(records) > COLLECTION_MAX:
            message = f"record limit reached. cannot submit more than {COLLECTION_MAX} records into this call"
            raise _Refused(400, "EXCEEDED_ID_LIMIT", message)
        for record in records:
            attributes = record.get("attributes") if isinstance(record, dict) else None
            kind = attributes.get("type") if isinstance(attributes, dict) else None
            if kind is None:
                raise _Refused(400, "JSON_PARSER_ERROR", "No SObject Type defined in attributes")
            if kind != "Contact":
                raise _Refused(400, "INVALID_TYPE", f"sObject type '{kind}' is not supported.")
        return records, body.get("allOrNone") is True

    @staticmethod
    def _fields_of(record: dict[str, Any], *leave_out: str) -> dict[str, Any]:
        return {k: v for k, v in record.items() if k != "attributes" and k not in leave_out}

    def _rolled_back(self, outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """allOrNone: every record fails, the valid ones with ALL_OR_NONE_OPERATION_ROLLED_BACK."""
        message = (
            "Record rolled back because not all records were valid and the request was using AllOrNone header"
        )
        rolled = _error_item("ALL_OR_NONE_OPERATION_ROLLED_BACK", message)
        return [
            outcome
            if not outcome["success"]
            else {**{k: v for k, v in outcome.items() if k == "id"}, "success": False, "errors": [rolled]}
            for outcome in outcomes
        ]

    def _collections_create(self, _params: tuple[str, ...], _query: Query, body: Any) -> Reply:
        records, all_or_none = self._records_of(body)
        planned = [self._prepare(self._canonical(self._fields_of(record)), None) for record in records]
        if all_or_none and any(errors for _, errors in planned):
            failed = [{"success": not errors, "errors": errors} for _, errors in planned]
            return json_reply(200, self._rolled_back(failed))
        results = []
        for values, errors in planned:
            if errors:
                results.append({"success": False, "errors": errors})
            else:
                results.append({"id": self._create(values).id, "success": True, "errors": []})
        return json_reply(200, results)

    def _collections_update(self, _params: tuple[str, ...], _query: Query, body: Any) -> Reply:
        records, all_or_none = self._records_of(body)
        planned: list[tuple[_Contact | None, str | None, dict[str, Any], list[dict[str, Any]]]] = []
        for record in records:
            raw_id = record.get("id", record.get("Id"))
            fields = self._canonical(self._fields_of(record, "id", "Id"))
            if raw_id is None:
                planned.append(
                    (None, None, {}, [_error_item("MISSING_ARGUMENT", "Id not specified in an update call")])
                )
                continue
            contact_id = normalize_id(raw_id, CONTACT_PREFIX)
            contact = self._contacts.get(contact_id) if contact_id is not None else None
            if contact_id is None:
                error = _error_item(
                    "MALFORMED_ID", f"Contact ID: id value of incorrect type: {raw_id}", ["Id"]
                )
            elif contact is None:
                error = _error_item("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
            elif contact.is_deleted:
                error = _error_item("ENTITY_IS_DELETED", "entity is deleted", [])
            else:
                values, errors = self._prepare(fields, contact)
                planned.append((contact, contact.id, values, errors))
                continue
            planned.append((None, contact_id or str(raw_id), {}, [error]))
        outcomes = [
            {**({"id": contact_id} if contact_id else {}), "success": not errors, "errors": errors}
            for _, contact_id, _, errors in planned
        ]
        if all_or_none and any(errors for *_, errors in planned):
            return json_reply(200, self._rolled_back(outcomes))
        for contact, _, values, errors in planned:
            if contact is not None and not errors:
                self._save(contact, values)
        return json_reply(200, outcomes)

    def _collections_delete(self, _params: tuple[str, ...], query: Query, _body: Any) -> Reply:
        ids = query_list(query, "ids")
        if not ids:
            raise _Refused(400, "MISSING_ARGUMENT", "ids is required")
        if len(ids) > COLLECTION_MAX:
            message = f"record limit reached. cannot submit more than {COLLECTION_MAX} records into this call"
            raise _Refused(400, "EXCEEDED_ID_LIMIT", message)
        all_or_none = query_value(query, "allOrNone") == "true"
        outcomes: list[dict[str, Any]] = []
        doomed: list[_Contact] = []
        for raw_id in ids:
            contact_id = normalize_id(raw_id)
            contact = self._contacts.get(contact_id) if contact_id is not None else None
            if contact_id is None:
                errors = [_error_item("MALFORMED_ID", f"malformed id {raw_id}")]
            elif contact is None:
                errors = [_error_item("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")]
            elif contact.is_deleted:
                errors = [_error_item("ENTITY_IS_DELETED", "entity is deleted")]
            else:
                errors = []
                doomed.append(contact)
            outcomes.append({"id": contact_id or raw_id, "success": not errors, "errors": errors})
        if all_or_none and any(not outcome["success"] for outcome in outcomes):
            return json_reply(200, self._rolled_back(outcomes))
        for contact in doomed:
            self._delete(contact)
        return json_reply(200, outcomes)

    def _describe(self, params: tuple[str, ...], _query: Query, _body: Any) -> Reply:
        version = params[0]
        return json_reply(
            200,
            {
                "name": "Contact",
                "label": "Contact",
                "labelPlural": "Contacts",
                "keyPrefix": CONTACT_PREFIX,
                "custom": False,
                "createable": True,
                "updateable": True,
                "deletable": True,
                "queryable": True,
                "fields": [definition.public() for definition in self._fields.values()],
                "urls": {
                    "sobject": f"/services/data/v{version}/sobjects/Contact",
                    "describe": f"/services/data/v{version}/sobjects/Contact/describe",
                    "rowTemplate": f"/services/data/v{version}/sobjects/Contact/{{ID}}",
                },
            },
        )

    def _sobject_get(self, params: tuple[str, ...], query: Query, _body: Any) -> Reply:
        version, raw_id = params
        contact = self._contacts.get(normalize_id(raw_id) or "")
        if contact is None or contact.is_deleted:
            return self._error(404, "", "NOT_FOUND")
        wanted = query_list(query, "fields")
        names = (
            [self._canonical({name: None}).popitem()[0] for name in wanted] if wanted else self._all_fields()
        )
        return json_reply(200, self._render(contact, names, version))

    def _limits(self, _params: tuple[str, ...], _query: Query, _body: Any) -> Reply:
        remaining = max(0, self.daily_limit - self.api_usage)
        return json_reply(200, {"DailyApiRequests": {"Max": self.daily_limit, "Remaining": remaining}})
