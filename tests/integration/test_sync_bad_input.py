"""The sync callables refuse bad input with invalid-argument (or the right code) naming the field, and
write nothing: no configuration, no run, no audit record beyond the one CRM call a remote-field check makes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.cloud import firestore

from functions import (
    integrations_create,
    sync_attempts_log,
    sync_configs_create,
    sync_configs_update,
    sync_conflicts_resolve,
    sync_run_now,
    sync_runs_list,
)
from shared.settings import reset_settings
from tests.integration.conftest import all_documents
from tests.support.callables import call
from tests.support.fake_hubspot import FakeHubSpot
from tests.support.sync_harness import DEFAULT_MAPPINGS, TOKEN, SyncHarness


@pytest.fixture
def hubspot(private_networks: None) -> Iterator[FakeHubSpot]:
    reset_settings()
    with FakeHubSpot(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def harness(
    db: firestore.Client, team: str, hubspot: FakeHubSpot, monkeypatch: pytest.MonkeyPatch
) -> SyncHarness:
    return SyncHarness(db, team, hubspot.url, "hubspot").connect(monkeypatch)


def good(harness: SyncHarness, **changes: Any) -> dict[str, Any]:
    data = {
        "teamId": harness.team,
        "integrationId": harness.integration_id,
        "enabled": True,
        "syncDirection": "bidirectional",
        "frequency": 300_000,
        "fieldMappings": DEFAULT_MAPPINGS,
        "conflictResolution": "manual",
        **changes,
    }
    return {key: value for key, value in data.items() if value is not ...}


def mapping(**changes: Any) -> list[dict[str, Any]]:
    return [{**DEFAULT_MAPPINGS[0], **changes}, *DEFAULT_MAPPINGS[1:]]


CREATE_CASES = [
    ("missing integrationId", {"integrationId": ...}, "integrationId"),
    ("integrationId with a slash", {"integrationId": "a/b"}, "integrationId"),
    ("syncDirection sideways", {"syncDirection": "sideways"}, "syncDirection"),
    ("frequency under a minute", {"frequency": 59_999}, "frequency"),
    ("frequency as text", {"frequency": "300000"}, "frequency"),
    ("frequency over a week", {"frequency": 604_800_001}, "frequency"),
    ("no fieldMappings", {"fieldMappings": []}, "fieldMappings"),
    ("201 fieldMappings", {"fieldMappings": [DEFAULT_MAPPINGS[0]] * 201}, "fieldMappings"),
    (
        "a mapping without bidirectional",
        {"fieldMappings": [{"localField": "a", "remoteField": "b"}]},
        "fieldMappings[0].bidirectional",
    ),
    (
        "localField with a space",
        {"fieldMappings": mapping(localField="first name")},
        "fieldMappings[0].localField",
    ),
    ("localField id", {"fieldMappings": mapping(localField="id")}, "fieldMappings[0].localField"),
    (
        "localField inside sync",
        {"fieldMappings": mapping(localField="sync.x")},
        "fieldMappings[0].localField",
    ),
    (
        "a localField mapped twice",
        {"fieldMappings": [DEFAULT_MAPPINGS[0], DEFAULT_MAPPINGS[0]]},
        "fieldMappings[1].localField",
    ),
    (
        "a transformer that does not parse",
        {"fieldMappings": mapping(transformer="trim | lowercse")},
        "fieldMappings[0].transformer",
    ),
    (
        "code as a transformer",
        {"fieldMappings": mapping(transformer="x => x.toLowerCase()")},
        "fieldMappings[0].transformer",
    ),
    (
        "a one-way transformer on a two-way mapping",
        {"fieldMappings": mapping(transformer='split(" ", 0)')},
        "fieldMappings[0].transformer",
    ),
    (
        "a 1,001-character transformer",
        {"fieldMappings": mapping(transformer='default("' + "x" * 990 + '")')},  # valid but for its length
        "fieldMappings[0].transformer",
    ),
    ("conflictResolution newest", {"conflictResolution": "newest"}, "conflictResolution"),
    ("an unknown field", {"schedule": "hourly"}, "schedule"),
]


@pytest.mark.parametrize(
    ("case", "changes", "field"), CREATE_CASES, ids=[case for case, _, _ in CREATE_CASES]
)
def test_create_refuses_bad_input_naming_the_field_and_writes_nothing(
    db: firestore.Client, harness: SyncHarness, case: str, changes: dict[str, Any], field: str
) -> None:
    before = all_documents(db)

    answer = call(sync_configs_create, good(harness, **changes), uid="admin")

    assert answer.status == 400, (case, answer.body)
    assert answer.error["details"]["field"] == field, answer.body
    assert all_documents(db) == before


def test_an_integration_the_engine_does_not_speak_is_refused_naming_integration_id(
    db: firestore.Client, harness: SyncHarness, team: str
) -> None:
    plain = call(
        integrations_create,
        {"teamId": team, "type": "rest", "name": "Plain", "config": {"baseUrl": "https://api.example.com"}},
        uid="admin",
    ).result["id"]
    before = all_documents(db)

    unknown = call(sync_configs_create, good(harness, integrationId="nope"), uid="admin")
    not_a_crm = call(sync_configs_create, good(harness, integrationId=plain), uid="admin")

    assert (unknown.status, unknown.error["details"]["field"]) == (404, "integrationId")
    assert (not_a_crm.status, not_a_crm.error["details"]["field"]) == (400, "integrationId")
    assert all_documents(db) == before


def test_a_remote_field_hubspot_does_not_have_is_refused_naming_it(
    db: firestore.Client, harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    before = all_documents(db)

    answer = call(
        sync_configs_create, good(harness, fieldMappings=mapping(remoteField="favourite_colour")), uid="admin"
    )

    assert answer.error["details"]["field"] == "fieldMappings[0].remoteField"
    written = {path for path in all_documents(db) if path not in before}
    assert all("/integrationLogs/" in path for path in written)  # only the audit record of the CRM call
    assert hubspot.calls("properties") == 1


def test_a_second_configuration_of_one_integration_is_refused(
    db: firestore.Client, harness: SyncHarness
) -> None:
    harness.configure()
    before = all_documents(db)

    answer = call(sync_configs_create, good(harness), uid="admin")

    assert (answer.status, answer.error["details"]["field"]) == (409, "integrationId")
    assert {path for path in all_documents(db) if path not in before} <= {
        path for path in all_documents(db) if "/integrationLogs/" in path
    }


def test_members_read_but_do_not_write(db: firestore.Client, harness: SyncHarness) -> None:
    before = all_documents(db)

    created = call(sync_configs_create, good(harness), uid="member")
    listed = call(sync_runs_list, {"teamId": harness.team}, uid="member")

    assert created.error["status"] == "PERMISSION_DENIED"
    assert listed.status == 200
    assert all_documents(db) == before


OTHER_CASES = [
    ("update: nothing to change", sync_configs_update, {}, "data"),
    ("update: enabled null", sync_configs_update, {"enabled": None}, "enabled"),
    ("update: frequency too small", sync_configs_update, {"frequency": 1000}, "frequency"),
    (
        "update: a one-way transformer",
        sync_configs_update,
        {"fieldMappings": mapping(transformer='split(" ", 0)')},
        "fieldMappings[0].transformer",
    ),
    ("attempt: success missing", sync_attempts_log, {"success": ...}, "success"),
    ("attempt: negative count", sync_attempts_log, {"success": True, "pulled": -1}, "pulled"),
    ("run now: unknown field", sync_run_now, {"force": True}, "force"),
    ("resolve: no resolution", sync_conflicts_resolve, {"conflictId": "c1"}, "resolution"),
    (
        "resolve: merge without values",
        sync_conflicts_resolve,
        {"conflictId": "c1", "resolution": "merge"},
        "data",
    ),
    (
        "resolve: values without merge",
        sync_conflicts_resolve,
        {"conflictId": "c1", "resolution": "local", "values": {}},
        "data",
    ),
    ("runs: limit 101", sync_runs_list, {"limit": 101}, "limit"),
    ("runs: a forged cursor", sync_runs_list, {"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
]


@pytest.mark.parametrize(
    ("case", "function", "changes", "field"), OTHER_CASES, ids=[case for case, *_ in OTHER_CASES]
)
def test_the_other_sync_callables_refuse_bad_input(
    db: firestore.Client, harness: SyncHarness, case: str, function: Any, changes: dict[str, Any], field: str
) -> None:
    harness.configure()
    base = {"teamId": harness.team, "configId": harness.config_id}
    if function is sync_conflicts_resolve or function is sync_runs_list:
        base = {"teamId": harness.team}
    if function is sync_attempts_log:
        base["success"] = True
    data = {key: value for key, value in {**base, **changes}.items() if value is not ...}
    before = all_documents(db)

    answer = call(function, data, uid="admin")

    assert answer.status == 400, (case, answer.body)
    assert answer.error["details"]["field"] == field, answer.body
    assert {path for path in all_documents(db) if path not in before} <= {
        path for path in all_documents(db) if "/integrationLogs/" in path
    }


def test_resolving_an_unknown_conflict_is_not_found(harness: SyncHarness) -> None:
    answer = call(
        sync_conflicts_resolve,
        {"teamId": harness.team, "conflictId": "nope", "resolution": "local"},
        uid="admin",
    )

    assert (answer.status, answer.error["details"]["field"]) == (404, "conflictId")
