"""API keys: the 17 scopes, rate limits, and the key's models by role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, Strict, StringConstraints

from shared.models.base import (
    Cursor,
    DocumentId,
    InputModel,
    ListLimit,
    Name,
    PublicModel,
    StoredModel,
    TeamId,
    Timestamp,
    not_null,
    requires_a_change,
)

KEY_PREFIX = "jk_live_"
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)


class ApiKeyScope(StrEnum):
    """What a key may do: the seed's 17 scopes, in the seed's order. `admin:full` grants every other scope."""

    REPORTS_READ = "reports:read"
    REPORTS_WRITE = "reports:write"
    REPORTS_EXECUTE = "reports:execute"
    REPORTS_EXPORT = "reports:export"
    REPORTS_SCHEDULE = "reports:schedule"
    CONTACTS_READ = "contacts:read"
    CONTACTS_WRITE = "contacts:write"
    TICKETS_READ = "tickets:read"
    TICKETS_WRITE = "tickets:write"
    TICKETS_COMMENT = "tickets:comment"
    TICKETS_RESOLVE = "tickets:resolve"
    AGENTS_READ = "agents:read"
    AGENTS_WRITE = "agents:write"
    WEBHOOKS_MANAGE = "webhooks:manage"
    INTEGRATIONS_READ = "integrations:read"
    INTEGRATIONS_WRITE = "integrations:write"
    ADMIN_FULL = "admin:full"


def grants(granted: frozenset[str] | set[str] | list[str], required: str) -> bool:
    """Whether a key holding `granted` may do what `required` names."""
    return required in granted or ApiKeyScope.ADMIN_FULL.value in granted


class ValidationCode(StrEnum):
    """Every outcome of a validation, checked in this order (after the key's existence)."""

    VALID = "VALID"
    NOT_FOUND = "NOT_FOUND"
    DISABLED = "DISABLED"
    EXPIRED = "EXPIRED"
    RATE_LIMITED = "RATE_LIMITED"
    INSUFFICIENT_PERMISSIONS = "INSUFFICIENT_PERMISSIONS"


class RateLimit(InputModel):
    """At most `requests` validations in any interval of `window` milliseconds (a sliding window)."""

    requests: Annotated[int, Field(ge=1, le=1_000_000)]
    window: Annotated[int, Field(ge=1000, le=86_400_000)]


def _unique_scopes(scopes: list[ApiKeyScope]) -> list[ApiKeyScope]:
    return list(dict.fromkeys(scopes))


def _check_expiry(expires_at: datetime) -> datetime:
    now = datetime.now(UTC)
    if expires_at <= now:
        raise ValueError("must be in the future")
    if expires_at > now + MAX_LIFETIME:
        raise ValueError("must be at most 365 days ahead")
    return expires_at.astimezone(UTC)


# Enums are matched by value; strict models would otherwise want enum instances.
Scope = Annotated[ApiKeyScope, Strict(False)]
Scopes = Annotated[
    list[Scope], Field(min_length=1, max_length=len(ApiKeyScope)), AfterValidator(_unique_scopes)
]
Expiry = Annotated[Timestamp, AfterValidator(_check_expiry)]


class ApiKeyCreate(InputModel):
    team_id: TeamId
    name: Name
    scopes: Scopes
    expires_at: Expiry | None = None
    rate_limit: RateLimit | None = None


class ApiKeyUpdate(InputModel):
    """Changes to a key's settings; the key itself never changes. `rateLimit: null` removes the limit."""

    team_id: TeamId
    key_id: DocumentId
    name: Name | None = None
    scopes: Scopes | None = None
    enabled: bool | None = None
    rate_limit: RateLimit | None = None
    expires_at: Expiry | None = None

    # Absent means "leave as is"; null is only meaningful for rateLimit ("no limit").
    _not_null = not_null("name", "scopes", "enabled", "expires_at")
    _requires_a_change = requires_a_change("team_id", "key_id")


class ApiKeyRef(InputModel):
    team_id: TeamId
    key_id: DocumentId


class ApiKeyListQuery(InputModel):
    team_id: TeamId
    limit: ListLimit = 50
    cursor: Cursor | None = None


class ApiKeyValidate(InputModel):
    # Bounded so a huge string is refused before it is hashed; real keys are about 52 characters.
    key: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    team_id: TeamId | None = None
    required_scopes: Annotated[list[Scope], Field(max_length=len(ApiKeyScope))] | None = None


class ApiKeyDoc(StoredModel):
    """`teams/{teamId}/apiKeys/{keyId}`: metadata only. The key itself is never stored."""

    id: str
    team_id: str
    name: str
    # First and last four characters of the random part, for the masked display.
    start: str
    end: str
    key_hash: str
    scopes: list[str]
    rate_limit: RateLimit | None = None
    enabled: bool = True
    expires_at: datetime
    created_at: datetime
    created_by: str
    updated_at: datetime
    usage_count: int = 0
    last_used: datetime | None = None


class ApiKeyIndexDoc(StoredModel):
    """`apiKeyIndex/{sha256 of the key}`: all a validation needs, in one document read. Server only."""

    team_id: str
    key_id: str
    scopes: list[str]
    enabled: bool
    expires_at: datetime
    rate_limit: RateLimit | None = None


class ApiKeyPublic(PublicModel):
    id: str
    team_id: str
    name: str
    # Masked as jk_live_XXXX…YYYY in every answer but the one that creates the key.
    key: str
    scopes: list[str]
    rate_limit: RateLimit | None = None
    enabled: bool
    expires_at: datetime
    created_at: datetime
    created_by: str
    updated_at: datetime
    usage_count: int
    last_used: datetime | None = None


class ApiKeyCreated(ApiKeyPublic):
    """The one answer that carries the whole key (`key`); `maskedKey` is what later answers show."""

    masked_key: str


class ApiKeyDeleted(PublicModel):
    id: str
    deleted: Literal[True] = True


class ApiKeyValidation(PublicModel):
    """Always a result, never an error: `valid` and a `code`, plus what is known about the key."""

    valid: bool
    code: ValidationCode
    team_id: str | None = None
    key_id: str | None = None
    scopes: list[str] | None = None
    # Always answered, as the seed's `{valid, remaining}` promises: null for a key without a rate limit
    # (and an unknown one); otherwise how many more validations would be admitted right now (0 once
    # refused, or for a disabled or expired key), and `reset`, when the next one after them can be.
    remaining: int | None = None
    reset: datetime | None = None
    expires_at: datetime | None = None

    def to_wire(self) -> dict[str, Any]:
        # "When known": an unknown key answers only `valid`, `code` and `remaining: null`, nothing to probe.
        wire = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        wire.setdefault("remaining", None)
        return wire
