"""The API key models: strict camelCase input, scopes, expiry and rate-limit bounds, and wire output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pydantic
import pytest

from shared.models.api_keys import (
    ApiKeyCreate,
    ApiKeyScope,
    ApiKeyUpdate,
    ApiKeyValidate,
    ApiKeyValidation,
    RateLimit,
    ValidationCode,
    grants,
)
from tests.support.validation import refused_field


def in_days(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def good_create(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"teamId": "team-a", "name": "Build server", "scopes": ["tickets:read"]}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not ...}


# --- ApiKeyCreate ---------------------------------------------------------------------------------


def test_create_accepts_a_complete_good_request() -> None:
    expires_at = in_days(30)

    created = ApiKeyCreate.model_validate(
        good_create(
            scopes=["tickets:read", "contacts:write"],
            expiresAt=expires_at.isoformat(),
            rateLimit={"requests": 100, "window": 60_000},
        )
    )

    assert created.team_id == "team-a"
    assert created.name == "Build server"
    assert created.scopes == [ApiKeyScope.TICKETS_READ, ApiKeyScope.CONTACTS_WRITE]
    assert created.expires_at == expires_at
    assert created.expires_at is not None
    assert created.expires_at.utcoffset() == timedelta(0)
    assert created.rate_limit == RateLimit(requests=100, window=60_000)


def test_create_accepts_the_minimum() -> None:
    created = ApiKeyCreate.model_validate(good_create())

    assert created.expires_at is None
    assert created.rate_limit is None


def test_create_normalises_an_offset_expiry_to_utc() -> None:
    local = in_days(10).astimezone(timezone(timedelta(hours=5, minutes=30)))

    created = ApiKeyCreate.model_validate(good_create(expiresAt=local.isoformat()))

    assert created.expires_at == local
    assert created.expires_at is not None
    assert created.expires_at.tzinfo == UTC


def test_create_de_duplicates_scopes_keeping_the_first_order() -> None:
    created = ApiKeyCreate.model_validate(
        good_create(scopes=["tickets:write", "tickets:read", "tickets:write", "tickets:read"])
    )

    assert created.scopes == [ApiKeyScope.TICKETS_WRITE, ApiKeyScope.TICKETS_READ]


def test_create_accepts_every_scope_at_once() -> None:
    created = ApiKeyCreate.model_validate(good_create(scopes=[scope.value for scope in ApiKeyScope]))

    assert set(created.scopes) == set(ApiKeyScope)
    assert len(ApiKeyScope) == 17


# The seed's `APIScope` union, copied as written: the 17 scopes a client team codes against.
SEED_SCOPES = [
    "reports:read", "reports:write", "reports:execute", "reports:export", "reports:schedule",
    "contacts:read", "contacts:write",
    "tickets:read", "tickets:write", "tickets:comment", "tickets:resolve",
    "agents:read", "agents:write",
    "webhooks:manage",
    "integrations:read", "integrations:write",
    "admin:full",
]  # fmt: skip


def test_the_scopes_are_exactly_the_seeds_in_the_seeds_order() -> None:
    assert [scope.value for scope in ApiKeyScope] == SEED_SCOPES


@pytest.mark.parametrize(
    "retired", ["teams:read", "teams:write", "webhooks:read", "webhooks:write", "sync:read", "sync:write"]
)
def test_scopes_outside_the_seed_are_refused(retired: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        ApiKeyCreate.model_validate(good_create(scopes=[retired]))


def test_create_strips_the_name() -> None:
    assert ApiKeyCreate.model_validate(good_create(name="  CI  ")).name == "CI"


CREATE_REFUSALS = [
    ("unknown scope", {"scopes": ["tickets:read", "tickets:delete"]}, "scopes[1]"),
    ("scope in the wrong case", {"scopes": ["Tickets:Read"]}, "scopes[0]"),
    ("no scopes", {"scopes": []}, "scopes"),
    ("scopes as a string", {"scopes": "tickets:read"}, "scopes"),
    ("more scopes than exist", {"scopes": ["tickets:read"] * 18}, "scopes"),
    ("expiry in the past", {"expiresAt": in_days(-1).isoformat()}, "expiresAt"),
    ("expiry now-ish", {"expiresAt": datetime.now(UTC).isoformat()}, "expiresAt"),
    ("expiry beyond 365 days", {"expiresAt": in_days(366).isoformat()}, "expiresAt"),
    ("naive expiry string", {"expiresAt": (datetime.now() + timedelta(days=3)).isoformat()}, "expiresAt"),
    ("naive expiry datetime", {"expiresAt": datetime.now() + timedelta(days=3)}, "expiresAt"),
    ("expiry not a date", {"expiresAt": "next tuesday"}, "expiresAt"),
    ("rateLimit requests 0", {"rateLimit": {"requests": 0, "window": 60_000}}, "rateLimit.requests"),
    (
        "rateLimit requests too many",
        {"rateLimit": {"requests": 1_000_001, "window": 60_000}},
        "rateLimit.requests",
    ),
    ("rateLimit window under 1 s", {"rateLimit": {"requests": 5, "window": 999}}, "rateLimit.window"),
    ("rateLimit window over a day", {"rateLimit": {"requests": 5, "window": 86_400_001}}, "rateLimit.window"),
    ("rateLimit without window", {"rateLimit": {"requests": 5}}, "rateLimit.window"),
    ("rateLimit extra field", {"rateLimit": {"requests": 5, "window": 1000, "burst": 2}}, "rateLimit.burst"),
    (
        "rateLimit requests as a string",
        {"rateLimit": {"requests": "5", "window": 60_000}},
        "rateLimit.requests",
    ),
    (
        "rateLimit requests as a float",
        {"rateLimit": {"requests": 5.0, "window": 60_000}},
        "rateLimit.requests",
    ),
    (
        "rateLimit requests as a bool",
        {"rateLimit": {"requests": True, "window": 60_000}},
        "rateLimit.requests",
    ),
    ("unknown field", {"owner": "me"}, "owner"),
    ("a key chosen by the caller", {"key": "jk_live_mine"}, "key"),
    ("snake_case teamId", {"teamId": ..., "team_id": "team-a"}, "teamId"),
    ("snake_case expiry", {"expires_at": in_days(3).isoformat()}, "expires_at"),
    ("teamId as a number", {"teamId": 42}, "teamId"),
    ("teamId with a slash", {"teamId": "a/b"}, "teamId"),
    ("missing teamId", {"teamId": ...}, "teamId"),
    ("empty name", {"name": ""}, "name"),
    ("blank name", {"name": "   "}, "name"),
    ("name too long", {"name": "n" * 101}, "name"),
    ("name as bytes", {"name": b"Build"}, "name"),
]


@pytest.mark.parametrize(("case", "changes", "field"), CREATE_REFUSALS, ids=[c[0] for c in CREATE_REFUSALS])
def test_create_refuses_bad_input(case: str, changes: dict[str, Any], field: str) -> None:
    assert refused_field(ApiKeyCreate, good_create(**changes)) == field, case


# Within the 365-day bound, so only the type can be the reason for a refusal.
NEAR_EXPIRY_SECONDS = int(in_days(30).timestamp())


@pytest.mark.parametrize(
    "expires_at",
    [NEAR_EXPIRY_SECONDS, float(NEAR_EXPIRY_SECONDS), str(NEAR_EXPIRY_SECONDS)],
    ids=["int", "float", "digits"],
)
def test_create_refuses_a_number_for_an_iso_timestamp(expires_at: object) -> None:
    # Timestamps travel as ISO-8601 strings (architecture.md); inputs do no type coercion (InputModel).
    assert refused_field(ApiKeyCreate, good_create(expiresAt=expires_at)) == "expiresAt"


def test_create_is_frozen() -> None:
    created = ApiKeyCreate.model_validate(good_create())

    with pytest.raises(pydantic.ValidationError):
        created.name = "changed"  # type: ignore[misc]


# --- ApiKeyUpdate ---------------------------------------------------------------------------------


def test_update_needs_at_least_one_change() -> None:
    assert refused_field(ApiKeyUpdate, {"teamId": "t", "keyId": "k"}) == "data"


@pytest.mark.parametrize(
    "change",
    [
        {"name": "renamed"},
        {"scopes": ["admin:full"]},
        {"enabled": False},
        {"rateLimit": {"requests": 1, "window": 1000}},
        {"rateLimit": None},
        {"expiresAt": in_days(5).isoformat()},
    ],
    ids=["name", "scopes", "enabled", "rateLimit", "rateLimit null", "expiresAt"],
)
def test_update_accepts_each_single_change(change: dict[str, Any]) -> None:
    update = ApiKeyUpdate.model_validate({"teamId": "t", "keyId": "k", **change})

    assert update.model_fields_set - {"team_id", "key_id"}


def test_update_null_rate_limit_means_remove_the_limit() -> None:
    update = ApiKeyUpdate.model_validate({"teamId": "t", "keyId": "k", "rateLimit": None})

    assert "rate_limit" in update.model_fields_set
    assert update.rate_limit is None


@pytest.mark.parametrize("field", ["name", "scopes", "enabled", "expiresAt"])
def test_update_refuses_null_for_anything_but_rate_limit(field: str) -> None:
    assert refused_field(ApiKeyUpdate, {"teamId": "t", "keyId": "k", field: None}) == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"enabled": 1}, "enabled"),
        ({"enabled": "true"}, "enabled"),
        ({"enabled": "no"}, "enabled"),
        ({"scopes": ["root"]}, "scopes[0]"),
        ({"keyId": "a/b", "name": "x"}, "keyId"),
        ({"key": "jk_live_new", "name": "x"}, "key"),
        ({"key_id": "k", "name": "x"}, "key_id"),
    ],
)
def test_update_refuses_bad_input(change: dict[str, Any], field: str) -> None:
    assert refused_field(ApiKeyUpdate, {"teamId": "t", "keyId": "k", **change}) == field


# --- ApiKeyValidate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "key"),
        ({"key": 12}, "key"),
        ({"key": ""}, "key"),
        ({"key": "jk_live_" + "x" * 300}, "key"),
        ({"key": "jk_live_x", "requiredScopes": ["everything"]}, "requiredScopes[0]"),
        ({"key": "jk_live_x", "teamId": 3}, "teamId"),
    ],
)
def test_validate_refuses_bad_input(data: dict[str, Any], field: str) -> None:
    assert refused_field(ApiKeyValidate, data) == field


# --- scopes ---------------------------------------------------------------------------------------


def test_grants_a_scope_the_key_holds() -> None:
    assert grants({"tickets:read"}, "tickets:read")
    assert not grants({"tickets:read"}, "tickets:write")
    assert not grants(set(), "tickets:read")


def test_admin_full_grants_every_scope() -> None:
    for scope in ApiKeyScope:
        assert grants(["admin:full"], scope.value)
        assert grants(frozenset({"admin:full"}), scope.value)


def test_no_other_scope_grants_more_than_itself() -> None:
    for held in ApiKeyScope:
        if held is ApiKeyScope.ADMIN_FULL:
            continue
        for required in ApiKeyScope:
            assert grants({held.value}, required.value) == (held is required)


# --- ApiKeyValidation -----------------------------------------------------------------------------


def test_validation_wire_of_an_unknown_key_is_only_valid_code_and_remaining_null() -> None:
    answer = ApiKeyValidation(valid=False, code=ValidationCode.NOT_FOUND)

    assert answer.to_wire() == {"valid": False, "code": "NOT_FOUND", "remaining": None}


def test_validation_wire_carries_what_is_known_in_camel_case() -> None:
    expires_at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    reset = datetime(2030, 1, 1, 0, 1, tzinfo=UTC)

    answer = ApiKeyValidation(
        valid=True,
        code=ValidationCode.VALID,
        team_id="team-a",
        key_id="key-1",
        scopes=[],
        remaining=0,
        reset=reset,
        expires_at=expires_at,
    )

    wire = answer.to_wire()
    assert wire == {
        "valid": True,
        "code": "VALID",
        "teamId": "team-a",
        "keyId": "key-1",
        "scopes": [],
        "remaining": 0,
        "reset": wire["reset"],
        "expiresAt": wire["expiresAt"],
    }
    assert datetime.fromisoformat(wire["reset"].replace("Z", "+00:00")) == reset
    assert datetime.fromisoformat(wire["expiresAt"].replace("Z", "+00:00")) == expires_at


def test_validation_wire_omits_only_the_unknown_fields_but_always_answers_remaining() -> None:
    answer = ApiKeyValidation(
        valid=False, code=ValidationCode.DISABLED, team_id="team-a", key_id="key-1", scopes=["tickets:read"]
    )

    assert answer.to_wire() == {
        "valid": False,
        "code": "DISABLED",
        "teamId": "team-a",
        "keyId": "key-1",
        "scopes": ["tickets:read"],
        "remaining": None,
    }
