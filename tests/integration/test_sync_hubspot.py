"""The sync engine against a fake HubSpot on loopback and the real Firestore emulator: first pull, quiet
re-runs, increments, identity by email, pushes, conflicts under every policy, deletes, merges, clusters of
one millisecond, rate limits, failures mid-run, and secrets kept out of everything stored or logged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from google.cloud import firestore

from functions import (
    sync_conflicts_list,
    sync_conflicts_resolve,
    sync_remote_fields,
    sync_run_now,
    sync_runs_list,
)
from shared.settings import reset_settings
from tests.integration.conftest import all_documents
from tests.support.callables import call
from tests.support.fake_hubspot import FakeHubSpot
from tests.support.sync_harness import TOKEN, SyncHarness

PEOPLE = [
    {
        "email": f"person{number}@example.com",
        "firstname": f"First{number}",
        "lastname": f"Last{number}",
        "company": "Acme",
    }
    for number in range(1, 251)
]


@pytest.fixture
def hubspot(private_networks: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHubSpot]:
    # No settle lag in tests: the fake's search index is not late unless a test makes it so.
    monkeypatch.setenv("SYNC_REMOTE_LAG_SECONDS", "0")
    monkeypatch.setenv("SYNC_LOCAL_LAG_SECONDS", "0")
    reset_settings()
    with FakeHubSpot(token=TOKEN) as fake:
        fake.max_sorts = 1  # HubSpot documents one sort rule per search
        yield fake


@pytest.fixture
def harness(
    db: firestore.Client, team: str, hubspot: FakeHubSpot, monkeypatch: pytest.MonkeyPatch
) -> SyncHarness:
    return SyncHarness(db, team, hubspot.url, "hubspot").connect(monkeypatch)


def local_by_email(harness: SyncHarness) -> dict[str, dict[str, Any]]:
    return {(data.get("email") or "").lower(): data for data in harness.contacts().values()}


# ------------------------------------------------------------------ pulls


def test_a_first_pull_creates_every_contact_with_its_mapped_fields(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    hubspot.add_many(PEOPLE)
    harness.configure(syncDirection="pull")

    run = harness.run()

    assert run["status"] == "succeeded", run
    assert run["counts"]["created"] == len(PEOPLE)
    local = local_by_email(harness)
    assert len(local) == len(PEOPLE)
    assert local["person7@example.com"]["firstName"] == "First7"
    assert local["person7@example.com"]["company"] == "Acme"
    assert hubspot.writes() == 0
    assert hubspot.calls("search") <= 1  # the backfill reads through the list endpoint


def test_a_run_with_nothing_changed_writes_nothing_on_either_side(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    hubspot.add_many(PEOPLE[:40])
    harness.configure()
    harness.run()
    before = harness.update_times()
    hubspot.reset_log()

    run = harness.run()

    assert run["status"] == "succeeded", run
    assert harness.update_times() == before
    assert hubspot.writes() == 0
    assert run["counts"]["created"] == run["counts"]["updated"] == run["counts"]["pushed"] == 0


def test_three_remote_changes_write_exactly_three_local_documents(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    ids = hubspot.add_many(PEOPLE[:60])
    harness.configure()
    harness.run()
    before = harness.update_times()
    for contact_id in ids[10:13]:
        hubspot.modify(contact_id, company="Globex")

    run = harness.run()

    after = harness.update_times()
    changed = [contact_id for contact_id in after if after[contact_id] != before.get(contact_id)]
    assert len(changed) == 3
    assert run["counts"]["updated"] == 3
    assert {harness.contact(contact_id)["company"] for contact_id in changed} == {"Globex"}
    assert hubspot.writes() == 0  # the pulled values are not echoed back


def test_a_remote_contact_is_linked_to_the_local_one_with_its_email_never_duplicated(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    harness.write_contact("ada", {"email": "  Ada@Example.com ", "firstName": "Ada"})
    hubspot.add(email="ada@example.com", firstname="Ada", lastname="Lovelace")
    harness.configure()

    for _ in range(3):
        harness.run()

    assert list(harness.contacts()) == ["ada"]
    assert harness.contact("ada")["lastName"] == "Lovelace"
    assert len(hubspot.records()) == 1


def test_a_millisecond_shared_by_more_than_a_page_of_contacts_is_read_whole(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    ids = hubspot.add_many(PEOPLE)
    harness.configure(syncDirection="pull")
    harness.run()
    hubspot.clock.freeze()
    for contact_id in ids:  # 250 changes in one millisecond: more than a search page of 100
        hubspot.modify(contact_id, company="Initech")
    hubspot.clock.thaw()
    hubspot.clock.advance(5)

    run = harness.run()

    assert run["status"] == "succeeded", run
    assert run["counts"]["updated"] == len(ids)
    assert {data["company"] for data in harness.contacts().values()} == {"Initech"}
    assert all(
        int((call.body or {}).get("after") or 0) < 10_000
        for call in hubspot.requests
        if call.endpoint == "search"
    )


def test_a_rate_limited_call_is_retried_after_retry_after(harness: SyncHarness, hubspot: FakeHubSpot) -> None:
    hubspot.add_many(PEOPLE[:5])
    harness.configure(syncDirection="pull")
    hubspot.rate_limit_next(1, retry_after_seconds=1, endpoint="list")

    run = harness.run()

    assert run["status"] == "succeeded", run
    assert len(harness.contacts()) == 5
    live_pages = [
        c for c in hubspot.requests if c.endpoint == "list" and c.query.get("archived") == ["false"]
    ]
    assert [c.status for c in live_pages] == [429, 200]


def test_a_failure_mid_run_fails_the_run_and_the_next_one_resumes_without_duplicates(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    hubspot.add_many(PEOPLE)
    harness.configure(syncDirection="pull")
    hubspot.fail_after(1, status=500, times=10, endpoint="list")  # the second page fails for good

    failed = harness.run()
    hubspot.clear_failures()
    resumed = harness.run()

    assert failed["status"] == "failed"
    assert failed["error"]
    assert resumed["status"] == "succeeded", resumed
    assert failed["counts"]["created"] + resumed["counts"]["created"] == len(PEOPLE)
    assert len(local_by_email(harness)) == len(harness.contacts()) == len(PEOPLE)


# ------------------------------------------------------------------ pushes


def test_a_new_local_contact_is_created_at_hubspot_once(harness: SyncHarness, hubspot: FakeHubSpot) -> None:
    harness.configure()
    harness.write_contact("grace", {"email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper"})

    first = harness.run()
    second = harness.run()

    [created] = hubspot.records()
    assert created["properties"]["firstname"] == "Grace"
    assert first["counts"]["pushed"] == 1
    assert second["counts"]["pushed"] == 0
    assert hubspot.calls("batch_upsert", "batch_create", "batch_update") == 1
    assert harness.contact("grace")["sync"][harness.config_id]["remoteId"] == created["id"]


def test_a_local_edit_is_pushed_and_not_echoed_back(harness: SyncHarness, hubspot: FakeHubSpot) -> None:
    [remote_id] = hubspot.add_many(PEOPLE[:1])
    harness.configure()
    harness.run()
    [(contact_id, _)] = harness.by_email("person1@example.com")
    harness.write_contact(contact_id, {"company": "Umbrella"})

    pushed = harness.run()
    hubspot.reset_log()
    quiet = harness.run()

    assert hubspot.get(remote_id)["properties"]["company"] == "Umbrella"
    assert pushed["counts"]["pushed"] == 1
    assert quiet["counts"]["updated"] == quiet["counts"]["pushed"] == 0
    assert hubspot.writes() == 0


def test_a_contact_without_email_is_not_created_remotely_and_is_reported(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    harness.configure()
    harness.write_contact("noemail", {"firstName": "Nobody"})

    run = harness.run()

    assert run["status"] == "partial"
    assert run["counts"]["failed"] == 1
    assert "no email" in run["error"]
    assert hubspot.records() == []


def test_a_pull_only_mapping_in_a_bidirectional_configuration_is_never_pushed(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    [remote_id] = hubspot.add_many(PEOPLE[:1])
    mappings = [
        {"localField": "email", "remoteField": "email", "bidirectional": True},
        {"localField": "company", "remoteField": "company", "bidirectional": False},
    ]
    harness.configure(fieldMappings=mappings)
    harness.run()
    [(contact_id, _)] = harness.by_email("person1@example.com")
    harness.write_contact(contact_id, {"company": "Local only"})

    harness.run()

    assert hubspot.get(remote_id)["properties"]["company"] == "Acme"


# ------------------------------------------------------------------ conflicts


def conflicting_edit(harness: SyncHarness, hubspot: FakeHubSpot, policy: str) -> tuple[str, str]:
    [remote_id] = hubspot.add_many(PEOPLE[:1])
    harness.configure(conflictResolution=policy)
    harness.run()
    [(contact_id, _)] = harness.by_email("person1@example.com")
    harness.write_contact(contact_id, {"company": "Local Inc", "firstName": "Localname"})
    hubspot.modify(remote_id, company="Remote Ltd", lastname="Remotename")
    return contact_id, remote_id


def test_conflict_remote_wins_on_both_sides(harness: SyncHarness, hubspot: FakeHubSpot) -> None:
    contact_id, remote_id = conflicting_edit(harness, hubspot, "remote")

    harness.run()

    assert harness.contact(contact_id)["company"] == "Remote Ltd"
    assert hubspot.get(remote_id)["properties"]["company"] == "Remote Ltd"
    # Fields changed on one side only flow as usual.
    assert harness.contact(contact_id)["lastName"] == "Remotename"
    assert hubspot.get(remote_id)["properties"]["firstname"] == "Localname"


def test_conflict_local_wins_on_both_sides(harness: SyncHarness, hubspot: FakeHubSpot) -> None:
    contact_id, remote_id = conflicting_edit(harness, hubspot, "local")

    harness.run()

    assert harness.contact(contact_id)["company"] == "Local Inc"
    assert hubspot.get(remote_id)["properties"]["company"] == "Local Inc"
    assert harness.contact(contact_id)["lastName"] == "Remotename"


def test_a_manual_conflict_is_held_while_other_fields_sync_then_resolved(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    contact_id, remote_id = conflicting_edit(harness, hubspot, "manual")

    run = harness.run()
    listed = call(sync_conflicts_list, {"teamId": harness.team, "status": "open"}, uid="member").result

    assert run["counts"]["conflicts"] == 1
    [conflict] = listed["items"]
    assert conflict["contactId"] == contact_id
    assert conflict["remoteId"] == remote_id
    [field] = conflict["fields"]
    assert (field["localField"], field["localValue"], field["remoteValue"]) == (
        "company",
        "Local Inc",
        "Remote Ltd",
    )
    # Held: neither side's value written; the other fields kept syncing.
    assert harness.contact(contact_id)["company"] == "Local Inc"
    assert hubspot.get(remote_id)["properties"]["company"] == "Remote Ltd"
    assert harness.contact(contact_id)["lastName"] == "Remotename"
    assert hubspot.get(remote_id)["properties"]["firstname"] == "Localname"

    resolved = call(
        sync_conflicts_resolve,
        {
            "teamId": harness.team,
            "conflictId": conflict["id"],
            "resolution": "merge",
            "values": {"company": "Merged Co"},
        },
        uid="admin",
    )
    harness.run()

    assert resolved.result["status"] == "resolved"
    assert harness.contact(contact_id)["company"] == "Merged Co"
    assert hubspot.get(remote_id)["properties"]["company"] == "Merged Co"
    again = call(
        sync_conflicts_resolve,
        {"teamId": harness.team, "conflictId": conflict["id"], "resolution": "local"},
        uid="admin",
    )
    assert again.error["status"] == "FAILED_PRECONDITION"


# ------------------------------------------------------------------ deletes and merges


def test_a_contact_archived_at_hubspot_is_marked_and_never_recreated(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    ids = hubspot.add_many(PEOPLE[:3])
    harness.configure()
    harness.run()
    hubspot.archive(ids[0])

    harness.run()
    harness.run()

    [(_, data)] = harness.by_email("person1@example.com")
    assert data["sync"][harness.config_id]["remoteDeleted"] is True
    assert len(hubspot.records()) == 2  # not recreated by a push
    assert len(harness.contacts()) == 3


def test_a_contact_deleted_here_is_not_brought_back_by_the_next_pull(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    ids = hubspot.add_many(PEOPLE[:2])
    harness.configure()
    harness.run()
    [(contact_id, _)] = harness.by_email("person1@example.com")
    harness.delete_contact(contact_id)
    harness.run()
    hubspot.modify(ids[0], company="Changed after the delete")

    harness.run()

    assert harness.by_email("person1@example.com") == []
    assert len(hubspot.records()) == 2  # the CRM's record is left alone


def test_a_merge_at_hubspot_repoints_the_link_instead_of_creating_or_deleting(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    ids = hubspot.add_many(PEOPLE[:2])
    harness.configure(syncDirection="pull")
    harness.run()
    contacts_before = set(harness.contacts())

    survivor = hubspot.merge(ids[0], ids[1])
    run = harness.run()

    assert run["status"] == "succeeded", run
    assert set(harness.contacts()) == contacts_before  # nothing created, nothing deleted
    linked = [data["sync"][harness.config_id] for data in harness.contacts().values()]
    assert any(link["remoteId"] == survivor and not link.get("mergedInto") for link in linked)


# ------------------------------------------------------------------ the callables around it


def test_run_now_queues_one_run_and_a_second_call_names_it(
    harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    harness.configure()

    first = call(sync_run_now, {"teamId": harness.team, "configId": harness.config_id}, uid="admin").result
    second = call(sync_run_now, {"teamId": harness.team, "configId": harness.config_id}, uid="admin").result
    harness.drain()
    third = call(sync_run_now, {"teamId": harness.team, "configId": harness.config_id}, uid="admin").result
    runs = call(sync_runs_list, {"teamId": harness.team, "configId": harness.config_id}, uid="member").result

    assert first["created"] is True
    assert second == {"runId": first["runId"], "created": False}
    assert third["created"] is True
    assert [item["id"] for item in runs["items"]] == [third["runId"], first["runId"]]
    assert runs["items"][1]["status"] == "succeeded"
    assert runs["items"][1]["trigger"] == "manual"


def test_a_finished_run_sets_last_sync_at_and_emits_sync_completed(
    db: firestore.Client, harness: SyncHarness, hubspot: FakeHubSpot
) -> None:
    hubspot.add_many(PEOPLE[:2])
    harness.configure()

    run = harness.run()

    config = db.document(f"teams/{harness.team}/syncConfigs/{harness.config_id}").get().to_dict() or {}
    integration = (
        db.document(f"teams/{harness.team}/integrations/{harness.integration_id}").get().to_dict() or {}
    )
    event = db.document(f"teams/{harness.team}/events/sync.completed-{run['id']}").get().to_dict() or {}
    assert config["lastSyncAt"] == integration["lastSyncAt"]
    assert config["activeRunId"] is None
    assert event["type"] == "sync.completed"
    assert event["data"]["counts"]["created"] == 2


def test_remote_fields_lists_hubspots_properties(harness: SyncHarness) -> None:
    answer = call(
        sync_remote_fields, {"teamId": harness.team, "integrationId": harness.integration_id}, uid="member"
    )

    names = {item["name"] for item in answer.result["items"]}
    assert {"email", "firstname", "lastname", "company"} <= names
    assert all({"name", "label", "type"} <= set(item) for item in answer.result["items"])


def test_the_token_is_in_no_document_answer_or_log_line(
    db: firestore.Client, harness: SyncHarness, hubspot: FakeHubSpot, capsys: pytest.CaptureFixture[str]
) -> None:
    hubspot.add_many(PEOPLE[:3])
    harness.configure()
    harness.write_contact("local", {"email": "local@example.com", "firstName": "Local"})
    hubspot.fail_next(1, status=500, endpoint="batch_upsert")

    harness.run()
    harness.run()
    answers = call(sync_runs_list, {"teamId": harness.team}, uid="member").body

    everything = json.dumps([all_documents(db), answers], default=str) + capsys.readouterr().out
    assert TOKEN not in everything
