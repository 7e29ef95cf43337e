"""API keys through the emulator suite over HTTP: create, validate, disable, validate, delete, validate."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.e2e.conftest import Team, call_function
from tests.support.callables import Answer

# The validate function runs in its own worker and caches key metadata for up to 10 s (the
# contract); the test allows that bound plus the emulator's own latency.
CACHE_BOUND_SECONDS = 10 + 5


def eventually(check: Callable[[], bool], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def validate(key: str, **fields: object) -> Answer:
    return call_function("api_keys_validate", {"key": key, **fields})


def test_a_key_lives_and_dies(team: Team) -> None:
    created = call_function(
        "api_keys_create",
        {"teamId": team.team_id, "name": "e2e", "scopes": ["tickets:read"]},
        token=team.owner_token,
    )
    assert created.status == 200, created.body
    key, key_id = created.result["key"], created.result["id"]

    valid = validate(key, teamId=team.team_id, requiredScopes=["tickets:read"])
    assert valid.result["code"] == "VALID"
    assert valid.result["keyId"] == key_id

    disabled = call_function(
        "api_keys_update", {"teamId": team.team_id, "keyId": key_id, "enabled": False}, token=team.owner_token
    )
    assert disabled.result["enabled"] is False
    assert eventually(lambda: validate(key).result["code"] == "DISABLED", CACHE_BOUND_SECONDS)

    deleted = call_function(
        "api_keys_delete", {"teamId": team.team_id, "keyId": key_id}, token=team.owner_token
    )
    assert deleted.result == {"id": key_id, "deleted": True}
    assert eventually(
        lambda: validate(key).result == {"valid": False, "code": "NOT_FOUND", "remaining": None},
        CACHE_BOUND_SECONDS,
    )

    again = call_function(
        "api_keys_delete", {"teamId": team.team_id, "keyId": key_id}, token=team.owner_token
    )
    assert again.status == 404
    assert again.error["status"] == "NOT_FOUND"


def test_usage_reaches_the_list_within_a_minute(team: Team) -> None:
    created = call_function(
        "api_keys_create",
        {"teamId": team.team_id, "name": "counted", "scopes": ["admin:full"]},
        token=team.owner_token,
    )
    key, key_id = created.result["key"], created.result["id"]
    for _ in range(5):
        assert validate(key).result["valid"] is True

    def counted() -> bool:
        listed = call_function("api_keys_list", {"teamId": team.team_id}, token=team.member_token)
        item = next(item for item in listed.result["items"] if item["id"] == key_id)
        return item["usageCount"] == 5 and item["lastUsed"] is not None

    assert eventually(counted, 60)


def test_the_protocol_errors_over_http(team: Team) -> None:
    data = {"teamId": team.team_id, "name": "x", "scopes": ["tickets:read"]}

    unauthenticated = call_function("api_keys_create", data)
    assert (unauthenticated.status, unauthenticated.error["status"]) == (401, "UNAUTHENTICATED")

    member = call_function("api_keys_create", data, token=team.member_token)
    assert (member.status, member.error["status"]) == (403, "PERMISSION_DENIED")

    stranger = call_function("api_keys_list", {"teamId": team.team_id}, token=team.stranger_token)
    assert (stranger.status, stranger.error["status"]) == (403, "PERMISSION_DENIED")

    malformed = call_function("api_keys_create", None, token=team.owner_token, raw_body='{"data": ')
    assert (malformed.status, malformed.error["status"]) == (400, "INVALID_ARGUMENT")

    missing_team = call_function(
        "api_keys_create", {"name": "x", "scopes": ["tickets:read"]}, token=team.owner_token
    )
    assert missing_team.status == 400
    assert missing_team.error["details"]["field"] == "teamId"

    listed = call_function("api_keys_list", {"teamId": team.team_id}, token=team.member_token)
    assert listed.result["items"] == []
