"""Bad input gets invalid-argument naming the field, and nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from functions import (
    api_keys_create,
    api_keys_delete,
    api_keys_get,
    api_keys_list,
    api_keys_update,
    api_keys_validate,
)
from tests.integration.conftest import all_documents
from tests.support.callables import call

ALL_CALLABLES = [
    api_keys_create,
    api_keys_get,
    api_keys_list,
    api_keys_update,
    api_keys_delete,
    api_keys_validate,
]


def good_create(team: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"teamId": team, "name": "Build server", "scopes": ["tickets:read"]}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not ...}


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


CREATE_CASES = [
    ("missing teamId", {"teamId": ...}, "teamId"),
    ("teamId not a string", {"teamId": 42}, "teamId"),
    ("teamId with a slash", {"teamId": "a/b"}, "teamId"),
    ("empty name", {"name": ""}, "name"),
    ("blank name", {"name": "   "}, "name"),
    ("10,000-character name", {"name": "n" * 10_000}, "name"),
    ("name not a string", {"name": ["x"]}, "name"),
    ("no scopes", {"scopes": []}, "scopes"),
    ("scopes not a list", {"scopes": "tickets:read"}, "scopes"),
    ("unknown scope", {"scopes": ["tickets:read", "tickets:delete"]}, "scopes[1]"),
    ("past expiresAt", {"expiresAt": in_days(-1)}, "expiresAt"),
    ("far-future expiresAt", {"expiresAt": in_days(366)}, "expiresAt"),
    ("expiresAt without a timezone", {"expiresAt": "2027-01-01T00:00:00"}, "expiresAt"),
    ("expiresAt not a date", {"expiresAt": "tomorrow"}, "expiresAt"),
    ("rateLimit of 0", {"rateLimit": {"requests": 0, "window": 60000}}, "rateLimit.requests"),
    ("rateLimit window under 1 s", {"rateLimit": {"requests": 5, "window": 999}}, "rateLimit.window"),
    ("rateLimit as a string", {"rateLimit": {"requests": "5", "window": 60000}}, "rateLimit.requests"),
    (
        "rateLimit with an unknown field",
        {"rateLimit": {"requests": 5, "window": 60000, "burst": 2}},
        "rateLimit.burst",
    ),
    ("unknown field", {"owner": "me"}, "owner"),
    ("snake_case field", {"team_id": "x"}, "team_id"),
    ("a key chosen by the caller", {"key": "jk_live_mine"}, "key"),
]


@pytest.mark.parametrize(("case", "changes", "field"), CREATE_CASES, ids=[c[0] for c in CREATE_CASES])
def test_create_refuses_bad_input_and_writes_nothing(
    db: firestore.Client, team: str, case: str, changes: dict[str, Any], field: str
) -> None:
    before = all_documents(db)

    answer = call(api_keys_create, good_create(team, **changes), uid="owner")

    assert answer.status == 400, case
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == field
    assert all_documents(db) == before


@pytest.mark.parametrize(
    ("function", "data", "field"),
    [
        (api_keys_get, {"keyId": "k"}, "teamId"),
        (api_keys_get, {"teamId": "team-a"}, "keyId"),
        (api_keys_list, {}, "teamId"),
        (api_keys_list, {"teamId": "team-a", "limit": 0}, "limit"),
        (api_keys_list, {"teamId": "team-a", "limit": 101}, "limit"),
        (api_keys_list, {"teamId": "team-a", "limit": "10"}, "limit"),
        (api_keys_update, {"keyId": "k", "name": "x"}, "teamId"),
        (api_keys_update, {"teamId": "team-a", "keyId": "k"}, "data"),
        (api_keys_update, {"teamId": "team-a", "keyId": "k", "enabled": "no"}, "enabled"),
        (api_keys_update, {"teamId": "team-a", "keyId": "k", "scopes": ["root"]}, "scopes[0]"),
        (api_keys_update, {"teamId": "team-a", "keyId": "k", "name": None}, "name"),
        (
            api_keys_update,
            {"teamId": "team-a", "keyId": "k", "rateLimit": {"requests": 0, "window": 1000}},
            "rateLimit.requests",
        ),
        (api_keys_delete, {"teamId": "team-a"}, "keyId"),
        (api_keys_validate, {}, "key"),
        (api_keys_validate, {"key": 12}, "key"),
        (api_keys_validate, {"key": "jk_live_x" * 100}, "key"),
        (api_keys_validate, {"key": "jk_live_x", "requiredScopes": ["everything"]}, "requiredScopes[0]"),
        (api_keys_validate, {"key": "jk_live_x", "teamId": 3}, "teamId"),
    ],
)
def test_each_callable_names_the_bad_field(
    db: firestore.Client, team: str, function: Any, data: dict[str, Any], field: str
) -> None:
    before = all_documents(db)

    answer = call(function, data, uid="owner")

    assert answer.error["status"] == "INVALID_ARGUMENT", answer.body
    assert answer.error["details"]["field"] == field
    assert all_documents(db) == before


def test_an_unauthenticated_caller_learns_nothing_about_the_input(db: firestore.Client, team: str) -> None:
    answer = call(api_keys_create, {"bogus": True})

    assert answer.status == 401
    assert answer.error["status"] == "UNAUTHENTICATED"
    assert "details" not in answer.error
