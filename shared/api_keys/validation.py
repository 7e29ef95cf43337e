"""`api_keys_validate`: one document read on a cold validation, none on a warm one.

An instance keeps what it read of a key (or that no such key exists) for `api_key_cache_seconds`
(10 s by default), so a disabled, expired, deleted or re-scoped key takes effect everywhere within that
bound; the instance that makes a change forgets its copy at once. Outcomes are checked in the order of
the field (Unkey): exists, enabled, expiry, rate limit, permissions.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.api_keys.rate_limiter import RateLimiter
from shared.api_keys.usage import UsageBuffer
from shared.cache import TtlCache
from shared.crypto import sha256_hex
from shared.models.api_keys import (
    KEY_PREFIX,
    ApiKeyIndexDoc,
    ApiKeyValidate,
    ApiKeyValidation,
    RateLimit,
    ValidationCode,
    grants,
)
from shared.settings import get_settings
from shared.store import api_keys as store

# Enough for every key of a large deployment; beyond it the oldest entries go first.
CACHE_ENTRIES = 50_000

Lookup = Callable[[str], ApiKeyIndexDoc | None]


@dataclass(frozen=True)
class KeyCheck:
    """A validation and the key's rate limit (the public API advertises it in its headers)."""

    validation: ApiKeyValidation
    rate_limit: RateLimit | None = None


class KeyValidator:
    def __init__(
        self,
        cache_seconds: float,
        usage: UsageBuffer,
        limiter: RateLimiter | None = None,
        lookup: Lookup = store.get_index,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache: TtlCache[str, ApiKeyIndexDoc | None] = TtlCache(cache_seconds, CACHE_ENTRIES, clock)
        self._usage = usage
        self._limiter = limiter or RateLimiter()
        self._lookup = lookup

    @property
    def usage(self) -> UsageBuffer:
        return self._usage

    def forget(self, key_hash: str) -> None:
        self._cache.forget(key_hash)

    def _entry(self, key_hash: str) -> ApiKeyIndexDoc | None:
        cached, entry = self._cache.get(key_hash)
        if not cached:
            entry = self._lookup(key_hash)
            self._cache.put(key_hash, entry)
        return entry

    def validate(self, request: ApiKeyValidate) -> ApiKeyValidation:
        return self.check(request).validation

    def check(self, request: ApiKeyValidate) -> KeyCheck:
        not_found = KeyCheck(ApiKeyValidation(valid=False, code=ValidationCode.NOT_FOUND))
        if not request.key.startswith(KEY_PREFIX):
            return not_found
        entry = self._entry(sha256_hex(request.key))
        # A key of another team answers exactly like an unknown key: existence never leaks.
        if entry is None or (request.team_id is not None and request.team_id != entry.team_id):
            return not_found

        def result(
            code: ValidationCode, remaining: int | None = None, reset_ms: int | None = None
        ) -> KeyCheck:
            validation = ApiKeyValidation(
                valid=code is ValidationCode.VALID,
                code=code,
                team_id=entry.team_id,
                key_id=entry.key_id,
                scopes=entry.scopes,
                remaining=remaining,
                reset=None if reset_ms is None else datetime.fromtimestamp(reset_ms / 1000, UTC),
                expires_at=entry.expires_at,
            )
            return KeyCheck(validation, entry.rate_limit)

        # A disabled or expired key spends no token, and no validation of it will be admitted.
        none_admitted = None if entry.rate_limit is None else 0
        if not entry.enabled:
            return result(ValidationCode.DISABLED, none_admitted)
        now = datetime.now(UTC)
        if entry.expires_at <= now:
            return result(ValidationCode.EXPIRED, none_admitted)
        remaining: int | None = None
        reset_ms: int | None = None
        if entry.rate_limit is not None:
            admission = self._limiter.acquire(entry.team_id, entry.key_id, entry.rate_limit)
            remaining, reset_ms = admission.remaining, admission.reset_ms
            if not admission.admitted:
                return result(ValidationCode.RATE_LIMITED, 0, reset_ms)
        granted = set(entry.scopes)
        if any(not grants(granted, scope.value) for scope in request.required_scopes or ()):
            return result(ValidationCode.INSUFFICIENT_PERMISSIONS, remaining, reset_ms)
        self._usage.record(entry.team_id, entry.key_id, now)
        return result(ValidationCode.VALID, remaining, reset_ms)


@functools.cache
def validator() -> KeyValidator:
    """The instance's validator, built on first use from the settings."""
    settings = get_settings()
    return KeyValidator(settings.api_key_cache_seconds, UsageBuffer(settings.api_key_usage_flush_seconds))


def reset_validator() -> None:
    """Write out buffered usage and start over (tests point the process at a fresh project)."""
    if validator.cache_info().currsize:
        current = validator()
        current.usage.flush()
        current.usage.stop()
    validator.cache_clear()


def validate_key(request: ApiKeyValidate) -> ApiKeyValidation:
    return validator().validate(request)
