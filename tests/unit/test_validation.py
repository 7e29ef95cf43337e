"""The validation hot path with a fake index lookup: the cache, every outcome code, and usage recording."""

from __future__ import annotations

import atexit
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.api_keys.rate_limiter import Admission, RateLimiter
from shared.api_keys.usage import UsageBuffer
from shared.api_keys.validation import KeyValidator
from shared.crypto import sha256_hex
from shared.models.api_keys import ApiKeyIndexDoc, ApiKeyValidate, RateLimit, ValidationCode
from tests.support.clock import ManualClock
from tests.unit.fakes import FakeClock, FakeRateCounters, RecordingWriter

KEY = "jk_live_3mJr7AoUXx2Wqd5pLzQ8vN4yBcTgEh6kFs9RtMwPaVb"
OTHER_KEY = "jk_live_9xYz8wVu7tSr6qPo5nMm4LkJj3HhGg2FfEe1DdCcBbA"
NEVER_SECONDS = 3600.0


@dataclass
class FakeLookup:
    """The `apiKeyIndex` collection as a dict keyed by hash, counting reads."""

    entries: dict[str, ApiKeyIndexDoc] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def add(self, key: str, **changes: Any) -> ApiKeyIndexDoc:
        entry = index_entry(**changes)
        self.entries[sha256_hex(key)] = entry
        return entry

    def __call__(self, key_hash: str) -> ApiKeyIndexDoc | None:
        self.calls.append(key_hash)
        return self.entries.get(key_hash)


@dataclass
class FakeLimiter:
    """A limiter that answers what the test says and counts the tokens asked for."""

    admitted: bool = True
    remaining: int = 7
    reset_ms: int = 1_900_000_000_000
    calls: int = 0

    def acquire(self, team_id: str, key_id: str, limit: RateLimit) -> Admission:
        self.calls += 1
        return Admission(
            admitted=self.admitted,
            remaining=0 if not self.admitted else self.remaining,
            reset_ms=self.reset_ms,
        )

    def forget(self, team_id: str, key_id: str) -> None:
        pass


def index_entry(**changes: Any) -> ApiKeyIndexDoc:
    data: dict[str, Any] = {
        "team_id": "team-a",
        "key_id": "key-1",
        "scopes": ["tickets:read"],
        "enabled": True,
        "expires_at": datetime.now(UTC) + timedelta(days=30),
        "rate_limit": None,
    }
    data.update(changes)
    return ApiKeyIndexDoc(**data)


def request(key: str = KEY, **fields: Any) -> ApiKeyValidate:
    return ApiKeyValidate.model_validate({"key": key, **fields})


@dataclass
class Harness:
    lookup: FakeLookup
    writer: RecordingWriter
    usage: UsageBuffer
    limiter: FakeLimiter

    def validator(
        self, cache_seconds: float = 60.0, limiter: Any = None, clock: ManualClock | None = None
    ) -> KeyValidator:
        return KeyValidator(
            cache_seconds,
            self.usage,
            limiter or self.limiter,  # type: ignore[arg-type]
            lookup=self.lookup,
            clock=clock or ManualClock(),
        )

    def recorded(self) -> int:
        self.usage.flush()
        return self.writer.total()


@pytest.fixture
def harness() -> Iterator[Harness]:
    writer = RecordingWriter()
    usage = UsageBuffer(NEVER_SECONDS, writer=writer)
    yield Harness(FakeLookup(), writer, usage, FakeLimiter())
    usage.stop()
    atexit.unregister(usage.flush)


# --- the cache ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["sk_live_abc", "jk_test_abc", "JK_LIVE_abc", "abc", " x"])
def test_a_key_without_the_prefix_is_not_found_without_a_lookup(harness: Harness, key: str) -> None:
    harness.lookup.add(key)
    validator = harness.validator()

    answer = validator.validate(request(key))

    assert answer.to_wire() == {"valid": False, "code": "NOT_FOUND", "remaining": None}
    assert harness.lookup.calls == []


def test_one_lookup_cold_then_none_while_warm(harness: Harness) -> None:
    harness.lookup.add(KEY)
    validator = harness.validator(cache_seconds=60)

    answers = [validator.validate(request()) for _ in range(5)]

    assert [answer.code for answer in answers] == [ValidationCode.VALID] * 5
    assert harness.lookup.calls == [sha256_hex(KEY)]


def test_the_lookup_is_by_hash_never_by_the_key(harness: Harness) -> None:
    validator = harness.validator()

    validator.validate(request())

    assert harness.lookup.calls == [sha256_hex(KEY)]
    assert KEY not in harness.lookup.calls


def test_each_key_is_cached_separately(harness: Harness) -> None:
    harness.lookup.add(KEY)
    harness.lookup.add(OTHER_KEY, key_id="key-2")
    validator = harness.validator()

    for _ in range(3):
        validator.validate(request(KEY))
        validator.validate(request(OTHER_KEY))

    assert sorted(harness.lookup.calls) == sorted([sha256_hex(KEY), sha256_hex(OTHER_KEY)])


def test_a_cache_of_zero_seconds_looks_up_every_time(harness: Harness) -> None:
    harness.lookup.add(KEY)
    validator = harness.validator(cache_seconds=0)

    for _ in range(4):
        validator.validate(request())

    assert len(harness.lookup.calls) == 4


def test_the_cached_copy_expires_after_cache_seconds(harness: Harness) -> None:
    harness.lookup.add(KEY)
    clock = ManualClock()
    validator = harness.validator(cache_seconds=10, clock=clock)
    validator.validate(request())

    clock.advance(9.9)
    validator.validate(request())
    reads_within_the_bound = len(harness.lookup.calls)
    clock.advance(0.2)
    validator.validate(request())

    assert reads_within_the_bound == 1
    assert len(harness.lookup.calls) == 2


def test_an_unknown_key_is_cached_too(harness: Harness) -> None:
    validator = harness.validator()

    answers = [validator.validate(request()) for _ in range(3)]

    assert [answer.code for answer in answers] == [ValidationCode.NOT_FOUND] * 3
    assert len(harness.lookup.calls) == 1


def test_a_change_shows_only_after_the_cache_is_forgotten(harness: Harness) -> None:
    harness.lookup.add(KEY)
    validator = harness.validator()
    validator.validate(request())
    harness.lookup.add(KEY, enabled=False)

    while_cached = validator.validate(request())
    validator.forget(sha256_hex(KEY))
    after_forget = validator.validate(request())

    assert while_cached.code is ValidationCode.VALID
    assert after_forget.code is ValidationCode.DISABLED
    assert len(harness.lookup.calls) == 2


def test_forgetting_a_deleted_key_makes_it_not_found(harness: Harness) -> None:
    harness.lookup.add(KEY)
    validator = harness.validator()
    validator.validate(request())
    del harness.lookup.entries[sha256_hex(KEY)]

    validator.forget(sha256_hex(KEY))

    assert validator.validate(request()).code is ValidationCode.NOT_FOUND


# --- outcomes -------------------------------------------------------------------------------------


def test_a_good_key_is_valid_with_what_is_known_about_it(harness: Harness) -> None:
    entry = harness.lookup.add(KEY, scopes=["tickets:read", "contacts:read"])
    validator = harness.validator()

    answer = validator.validate(request(teamId="team-a", requiredScopes=["tickets:read"]))

    assert answer.valid
    assert answer.code is ValidationCode.VALID
    assert answer.team_id == "team-a"
    assert answer.key_id == "key-1"
    assert answer.scopes == ["tickets:read", "contacts:read"]
    assert answer.expires_at == entry.expires_at
    assert answer.remaining is None
    assert answer.reset is None


def test_a_disabled_key(harness: Harness) -> None:
    harness.lookup.add(KEY, enabled=False)

    answer = harness.validator().validate(request())

    assert not answer.valid
    assert answer.code is ValidationCode.DISABLED
    assert answer.key_id == "key-1"


def test_an_expired_key(harness: Harness) -> None:
    harness.lookup.add(KEY, expires_at=datetime.now(UTC) - timedelta(seconds=1))

    answer = harness.validator().validate(request())

    assert not answer.valid
    assert answer.code is ValidationCode.EXPIRED


def test_a_disabled_key_is_disabled_even_when_expired(harness: Harness) -> None:
    harness.lookup.add(KEY, enabled=False, expires_at=datetime.now(UTC) - timedelta(days=1))

    assert harness.validator().validate(request()).code is ValidationCode.DISABLED


@pytest.mark.parametrize(
    ("held", "required"),
    [
        (["tickets:read"], ["tickets:write"]),
        (["tickets:read"], ["tickets:read", "contacts:read"]),
        (["tickets:write"], ["tickets:read"]),
    ],
)
def test_missing_scopes_are_insufficient_permissions(
    harness: Harness, held: list[str], required: list[str]
) -> None:
    harness.lookup.add(KEY, scopes=held)

    answer = harness.validator().validate(request(requiredScopes=required))

    assert not answer.valid
    assert answer.code is ValidationCode.INSUFFICIENT_PERMISSIONS
    assert answer.scopes == held


def test_admin_full_satisfies_any_required_scope(harness: Harness) -> None:
    harness.lookup.add(KEY, scopes=["admin:full"])

    answer = harness.validator().validate(request(requiredScopes=["tickets:write", "reports:schedule"]))

    assert answer.code is ValidationCode.VALID


def test_no_required_scopes_needs_none(harness: Harness) -> None:
    harness.lookup.add(KEY, scopes=["tickets:read"])

    assert harness.validator().validate(request(requiredScopes=[])).code is ValidationCode.VALID


def test_a_key_over_its_limit_is_rate_limited_with_the_reset(harness: Harness) -> None:
    harness.lookup.add(KEY, rate_limit=RateLimit(requests=5, window=60_000))
    limiter = FakeLimiter(admitted=False, reset_ms=1_900_000_060_000)

    answer = harness.validator(limiter=limiter).validate(request())

    assert not answer.valid
    assert answer.code is ValidationCode.RATE_LIMITED
    assert answer.remaining == 0
    assert answer.reset == datetime.fromtimestamp(1_900_000_060, UTC)


def test_a_rate_limited_key_under_its_limit_reports_remaining(harness: Harness) -> None:
    harness.lookup.add(KEY, rate_limit=RateLimit(requests=5, window=60_000))
    limiter = FakeLimiter(admitted=True, remaining=4, reset_ms=1_900_000_060_000)

    answer = harness.validator(limiter=limiter).validate(request())

    assert answer.code is ValidationCode.VALID
    assert answer.remaining == 4
    assert answer.reset == datetime.fromtimestamp(1_900_000_060, UTC)


def test_a_real_limiter_over_a_fake_counter_admits_the_limit_then_rate_limits(harness: Harness) -> None:
    harness.lookup.add(KEY, rate_limit=RateLimit(requests=3, window=60_000))
    counters = FakeRateCounters()
    limiter = RateLimiter(counters.reserve, counters.clean_up, clock_ms=FakeClock(1_800_000_030_000))
    validator = harness.validator(limiter=limiter)

    answers = [validator.validate(request()) for _ in range(5)]

    valid, limited = ValidationCode.VALID, ValidationCode.RATE_LIMITED
    assert [answer.code for answer in answers] == [valid, valid, valid, limited, limited]
    assert [answer.remaining for answer in answers] == [2, 1, 0, 0, 0]
    # All three sit in the 3 s sub-window starting at 30 s: they slide out of every window at 93 s.
    assert {answer.reset for answer in answers} == {datetime.fromtimestamp(1_800_000_093, UTC)}


def test_disabled_and_expired_keys_spend_no_rate_limit_tokens(harness: Harness) -> None:
    limit = RateLimit(requests=5, window=60_000)
    harness.lookup.add(KEY, enabled=False, rate_limit=limit)
    harness.lookup.add(OTHER_KEY, expires_at=datetime.now(UTC) - timedelta(days=1), rate_limit=limit)
    validator = harness.validator()

    disabled = validator.validate(request(KEY))
    expired = validator.validate(request(OTHER_KEY))

    assert harness.limiter.calls == 0
    # No validation of them will be admitted: none remaining (null is for keys without a limit).
    assert (disabled.code, disabled.remaining) == (ValidationCode.DISABLED, 0)
    assert (expired.code, expired.remaining) == (ValidationCode.EXPIRED, 0)


def test_every_answer_carries_remaining_null_without_a_limit(harness: Harness) -> None:
    harness.lookup.add(KEY, scopes=["tickets:read"])
    harness.lookup.add(OTHER_KEY, enabled=False)
    validator = harness.validator()

    answers = [
        validator.validate(request(KEY)),
        validator.validate(request(KEY, requiredScopes=["tickets:write"])),
        validator.validate(request(OTHER_KEY)),
        validator.validate(request("jk_live_unknown")),
    ]

    assert [answer.to_wire()["code"] for answer in answers] == [
        "VALID",
        "INSUFFICIENT_PERMISSIONS",
        "DISABLED",
        "NOT_FOUND",
    ]
    assert [answer.to_wire()["remaining"] for answer in answers] == [None] * 4


def test_a_key_without_a_limit_never_asks_the_limiter(harness: Harness) -> None:
    harness.lookup.add(KEY)
    validator = harness.validator()

    for _ in range(3):
        validator.validate(request())

    assert harness.limiter.calls == 0


# --- existence never leaks ------------------------------------------------------------------------


def test_another_teams_key_answers_exactly_like_an_unknown_key(harness: Harness) -> None:
    harness.lookup.add(KEY, team_id="team-a", key_id="key-1")
    validator = harness.validator()

    answer = validator.validate(request(teamId="team-b"))

    assert answer.to_wire() == {"valid": False, "code": "NOT_FOUND", "remaining": None}
    assert answer.to_wire() == validator.validate(request(OTHER_KEY, teamId="team-b")).to_wire()


def test_another_teams_disabled_key_is_still_not_found(harness: Harness) -> None:
    harness.lookup.add(KEY, team_id="team-a", enabled=False)

    answer = harness.validator().validate(request(teamId="team-b"))

    assert answer.to_wire() == {"valid": False, "code": "NOT_FOUND", "remaining": None}


def test_the_right_team_is_valid(harness: Harness) -> None:
    harness.lookup.add(KEY, team_id="team-a")

    assert harness.validator().validate(request(teamId="team-a")).code is ValidationCode.VALID


# --- usage ----------------------------------------------------------------------------------------


def test_only_valid_validations_are_recorded(harness: Harness) -> None:
    harness.lookup.add(KEY, scopes=["tickets:read"])
    harness.lookup.add(OTHER_KEY, key_id="key-2", enabled=False)
    validator = harness.validator()

    for _ in range(3):
        validator.validate(request(KEY))
    validator.validate(request(KEY, requiredScopes=["tickets:write"]))
    validator.validate(request(KEY, teamId="team-b"))
    validator.validate(request(OTHER_KEY))
    validator.validate(request("jk_live_unknown"))
    validator.validate(request("not-a-key"))

    assert harness.recorded() == 3
    assert [(w.team_id, w.key_id, w.count) for w in harness.writer.writes] == [("team-a", "key-1", 3)]


def test_rate_limited_validations_are_not_recorded(harness: Harness) -> None:
    harness.lookup.add(KEY, rate_limit=RateLimit(requests=5, window=60_000))
    validator = harness.validator(limiter=FakeLimiter(admitted=False))

    validator.validate(request())

    assert harness.recorded() == 0


def test_usage_records_when_the_key_was_used(harness: Harness) -> None:
    harness.lookup.add(KEY)
    validator = harness.validator()

    before = datetime.now(UTC)
    validator.validate(request())
    after = datetime.now(UTC)

    harness.recorded()
    (write,) = harness.writer.writes
    assert before <= write.last_used <= after
