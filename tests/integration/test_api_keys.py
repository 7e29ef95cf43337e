"""API keys end to end in-process: the SDK's callable handler, our code, the real Firestore emulator."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from google.cloud import firestore

from functions import (
    api_keys_create,
    api_keys_delete,
    api_keys_get,
    api_keys_list,
    api_keys_update,
    api_keys_validate,
)
from shared.api_keys.validation import validator
from shared.crypto import sha256_hex
from tests.integration.conftest import all_documents
from tests.support.callables import Answer, call
from tests.support.clock import ManualClock

KEY_PATTERN = re.compile(r"^jk_live_[1-9A-HJ-NP-Za-km-z]{43,44}$")
MASK_PATTERN = re.compile(r"^jk_live_[1-9A-HJ-NP-Za-km-z]{4}…[1-9A-HJ-NP-Za-km-z]{4}$")


def create(team: str, uid: str = "admin", **fields: object) -> Answer:
    data = {"teamId": team, "name": "Build server", "scopes": ["tickets:read"], **fields}
    return call(api_keys_create, data, uid=uid)


def validate(key: str, **fields: object) -> dict[str, object]:
    answer = call(api_keys_validate, {"key": key, **fields})
    assert answer.status == 200, answer.body
    result: dict[str, object] = answer.result
    return result


def test_create_shows_the_key_once_and_stores_only_its_hash(db: firestore.Client, team: str) -> None:
    created = create(team, scopes=["tickets:read", "contacts:write"]).result
    key = created["key"]

    assert KEY_PATTERN.match(key)
    random_part = key.removeprefix("jk_live_")
    assert created["maskedKey"] == f"jk_live_{random_part[:4]}…{random_part[-4:]}"
    documents = all_documents(db)
    index = documents[f"apiKeyIndex/{sha256_hex(key)}"]
    assert index["teamId"] == team
    assert index["keyId"] == created["id"]
    metadata = documents[f"teams/{team}/apiKeys/{created['id']}"]
    assert metadata["scopes"] == ["tickets:read", "contacts:write"]
    assert key not in repr(documents)
    assert random_part[4:-4] not in repr(documents)

    later = call(api_keys_get, {"teamId": team, "keyId": created["id"]}, uid="member").result
    assert later["key"] == created["maskedKey"]
    assert MASK_PATTERN.match(later["key"])
    assert key not in repr(later)


def test_expiry_defaults_to_ninety_days_and_can_be_chosen(team: str) -> None:
    default = create(team).result
    expires_at = datetime.fromisoformat(default["expiresAt"])
    assert abs(expires_at - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=1)

    chosen = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    explicit = create(team, expiresAt=chosen.isoformat()).result
    assert datetime.fromisoformat(explicit["expiresAt"]) == chosen


def test_keys_are_created_only_by_admins_and_read_by_members(db: firestore.Client, team: str) -> None:
    before = all_documents(db)

    assert create(team, uid="member").error["status"] == "PERMISSION_DENIED"
    assert create(team, uid="stranger").error["status"] == "PERMISSION_DENIED"
    unauthenticated = call(api_keys_create, {"teamId": team, "name": "x", "scopes": ["tickets:read"]})
    assert unauthenticated.status == 401
    assert unauthenticated.error["status"] == "UNAUTHENTICATED"
    assert all_documents(db) == before

    created = create(team, uid="owner").result
    assert call(api_keys_get, {"teamId": team, "keyId": created["id"]}, uid="member").status == 200
    stranger = call(api_keys_get, {"teamId": team, "keyId": created["id"]}, uid="stranger")
    assert stranger.error["status"] == "PERMISSION_DENIED"
    member_update = call(
        api_keys_update, {"teamId": team, "keyId": created["id"], "enabled": False}, uid="member"
    )
    assert member_update.error["status"] == "PERMISSION_DENIED"
    member_delete = call(api_keys_delete, {"teamId": team, "keyId": created["id"]}, uid="member")
    assert member_delete.error["status"] == "PERMISSION_DENIED"
    assert (
        call(api_keys_get, {"teamId": team, "keyId": created["id"]}, uid="member").result["enabled"] is True
    )


def test_list_is_newest_first_with_usage_and_cursor_pages(team: str) -> None:
    ids = [create(team, name=f"key {n}").result["id"] for n in range(5)]

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query: dict[str, object] = {"teamId": team, "limit": 2}
        if cursor:
            query["cursor"] = cursor
        page = call(api_keys_list, query, uid="member").result
        pages += 1
        for item in page["items"]:
            assert MASK_PATTERN.match(item["key"])
            assert item["usageCount"] == 0
            assert "lastUsed" in item
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(ids))

    bad = call(api_keys_list, {"teamId": team, "cursor": "not-a-cursor"}, uid="member")
    assert bad.error["status"] == "INVALID_ARGUMENT"
    assert bad.error["details"]["field"] == "cursor"


def test_update_changes_settings_and_the_validation_index(db: firestore.Client, team: str) -> None:
    created = create(team, scopes=["tickets:read"]).result
    new_expiry = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    update = {
        "teamId": team,
        "keyId": created["id"],
        "name": "Renamed",
        "scopes": ["contacts:read"],
        "rateLimit": {"requests": 10, "window": 60000},
        "expiresAt": new_expiry.isoformat(),
    }
    updated = call(api_keys_update, update, uid="admin").result
    assert updated["name"] == "Renamed"
    assert updated["scopes"] == ["contacts:read"]
    assert updated["rateLimit"] == {"requests": 10, "window": 60000}
    assert datetime.fromisoformat(updated["expiresAt"]) == new_expiry
    assert updated["key"] == created["maskedKey"]

    index = db.document(f"apiKeyIndex/{sha256_hex(created['key'])}").get().to_dict()
    assert index is not None
    assert index["scopes"] == ["contacts:read"]
    assert index["rateLimit"] == {"requests": 10, "window": 60000}

    cleared = call(api_keys_update, {"teamId": team, "keyId": created["id"], "rateLimit": None}, uid="admin")
    assert cleared.result["rateLimit"] is None

    missing = call(api_keys_update, {"teamId": team, "keyId": "nope", "enabled": False}, uid="admin")
    assert missing.error["status"] == "NOT_FOUND"

    rekey = call(api_keys_update, {"teamId": team, "keyId": created["id"], "key": "jk_live_x"}, uid="admin")
    assert rekey.error["status"] == "INVALID_ARGUMENT"
    assert rekey.error["details"]["field"] == "key"


def test_validation_answers_every_code(db: firestore.Client, team: str) -> None:
    key = create(team, scopes=["tickets:read"]).result["key"]
    full = create(team, scopes=["admin:full"]).result["key"]

    valid = validate(key, teamId=team, requiredScopes=["tickets:read"])
    assert valid["valid"] is True
    assert valid["code"] == "VALID"
    assert valid["teamId"] == team
    assert valid["scopes"] == ["tickets:read"]

    assert validate(key, requiredScopes=["tickets:write"])["code"] == "INSUFFICIENT_PERMISSIONS"
    assert validate(full, requiredScopes=["tickets:write", "reports:schedule"])["code"] == "VALID"
    assert validate("jk_live_" + "1" * 44)["code"] == "NOT_FOUND"
    assert validate("sk_live_whatever")["code"] == "NOT_FOUND"
    other_team = validate(key, teamId="team-b")
    assert other_team == {"valid": False, "code": "NOT_FOUND", "remaining": None}

    key_id = validate(key)["keyId"]
    call(api_keys_update, {"teamId": team, "keyId": key_id, "enabled": False}, uid="admin")
    assert validate(key)["code"] == "DISABLED"

    expiring = create(team).result
    # The API refuses a past expiry, so age the key directly, as time would.
    db.document(f"apiKeyIndex/{sha256_hex(expiring['key'])}").update(
        {"expiresAt": datetime.now(UTC) - timedelta(seconds=1)}
    )
    validator().forget(sha256_hex(expiring["key"]))
    assert validate(expiring["key"])["code"] == "EXPIRED"


def test_rate_limited_keys_report_remaining_and_reset(team: str) -> None:
    key = create(team, rateLimit={"requests": 3, "window": 60000}).result["key"]

    answers = [validate(key) for _ in range(4)]

    assert [a["code"] for a in answers] == ["VALID", "VALID", "VALID", "RATE_LIMITED"]
    assert [a["remaining"] for a in answers] == [2, 1, 0, 0]
    # The three slide out of every window one window and one sub-window (3 s) after their sub-window
    # began: no admission before that, and it is when the refused one may try again.
    reset = datetime.fromisoformat(str(answers[3]["reset"]))
    assert datetime.now(UTC) + timedelta(seconds=57) < reset <= datetime.now(UTC) + timedelta(seconds=63)
    assert {a["reset"] for a in answers} == {answers[3]["reset"]}
    assert answers[3]["valid"] is False


def test_every_answer_carries_remaining_null_without_a_limit(team: str) -> None:
    free = create(team, scopes=["tickets:read"]).result["key"]
    limited = create(team, rateLimit={"requests": 5, "window": 60000}).result["key"]

    answers = [
        validate(free),
        validate(free, requiredScopes=["tickets:write"]),
        validate("jk_live_" + "1" * 44),
    ]

    assert [(a["code"], a["remaining"]) for a in answers] == [
        ("VALID", None),
        ("INSUFFICIENT_PERMISSIONS", None),
        ("NOT_FOUND", None),
    ]
    assert "reset" not in answers[0]
    assert answers[2] == {"valid": False, "code": "NOT_FOUND", "remaining": None}
    assert validate(limited)["remaining"] == 4


def test_delete_stops_validation_and_twice_is_not_found(db: firestore.Client, team: str) -> None:
    created = create(team).result
    assert validate(created["key"])["code"] == "VALID"

    deleted = call(api_keys_delete, {"teamId": team, "keyId": created["id"]}, uid="admin")
    assert deleted.result == {"id": created["id"], "deleted": True}
    assert validate(created["key"])["code"] == "NOT_FOUND"
    assert not db.document(f"apiKeyIndex/{sha256_hex(created['key'])}").get().exists

    again = call(api_keys_delete, {"teamId": team, "keyId": created["id"]}, uid="admin")
    assert again.status == 404
    assert again.error["status"] == "NOT_FOUND"


def test_usage_is_counted_exactly_once_flushed(db: firestore.Client, team: str) -> None:
    created = create(team).result
    for _ in range(7):
        validate(created["key"])
    validate(created["key"], requiredScopes=["reports:schedule"])  # refused: not a use

    validator().usage.flush()

    stored = call(api_keys_get, {"teamId": team, "keyId": created["id"]}, uid="member").result
    assert stored["usageCount"] == 7
    last_used = datetime.fromisoformat(stored["lastUsed"])
    assert datetime.now(UTC) - last_used < timedelta(seconds=30)
    # The same count in the day's document, beside other keys' counts of the day.
    other = create(team).result
    validate(other["key"])
    validator().usage.flush()
    day = db.document(f"teams/{team}/apiKeyUsage/{last_used.astimezone(UTC).date().isoformat()}").get()
    assert day.to_dict()["keys"] == {created["id"]: 7, other["id"]: 1}


def test_a_deleted_key_s_usage_writes_no_day_either(db: firestore.Client, team: str) -> None:
    created = create(team).result
    validate(created["key"])
    db.document(f"teams/{team}/apiKeys/{created['id']}").delete()

    validator().usage.flush()

    assert list(db.collection(f"teams/{team}/apiKeyUsage").stream()) == []


def test_another_instances_change_takes_effect_within_the_cache_bound(
    db: firestore.Client, team: str
) -> None:
    from shared.api_keys.usage import UsageBuffer
    from shared.api_keys.validation import KeyValidator
    from shared.models.api_keys import ApiKeyValidate
    from shared.store import api_keys as store

    key = create(team).result["key"]
    reads: list[str] = []

    def counting_lookup(key_hash: str):  # type: ignore[no-untyped-def]
        reads.append(key_hash)
        return store.get_index(key_hash)

    clock = ManualClock()
    instance = KeyValidator(10, UsageBuffer(60), lookup=counting_lookup, clock=clock)
    request = ApiKeyValidate.model_validate({"key": key})
    assert instance.validate(request).code == "VALID"
    assert instance.validate(request).code == "VALID"
    assert len(reads) == 1  # one read cold, none warm

    # Another instance disables the key: this one answers from its cache until the bound passes.
    db.document(f"apiKeyIndex/{sha256_hex(key)}").update({"enabled": False})
    clock.advance(9.9)
    within_the_bound = instance.validate(request).code
    clock.advance(0.2)
    past_the_bound = instance.validate(request).code

    assert (within_the_bound, past_the_bound) == ("VALID", "DISABLED")
    assert len(reads) == 2
    instance.usage.flush()
    instance.usage.stop()
