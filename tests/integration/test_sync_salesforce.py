"""The sync engine against a fake Salesforce: changes, deletes and merges through queryAll, creates that
look the email up first (Salesforce allows duplicates), per-record failures, the org's API allocation."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from google.cloud import firestore

from shared.settings import reset_settings
from tests.support.fake_salesforce import FakeSalesforce
from tests.support.sync_harness import TOKEN, SyncHarness

MAPPINGS = [
    {"localField": "email", "remoteField": "Email", "bidirectional": True},
    {"localField": "firstName", "remoteField": "FirstName", "bidirectional": True},
    {"localField": "lastName", "remoteField": "LastName", "bidirectional": True},
    {"localField": "phone", "remoteField": "Phone", "bidirectional": True},
]
PEOPLE = [
    {"Email": f"sf{number}@example.com", "FirstName": f"F{number}", "LastName": f"L{number}"}
    for number in range(1, 451)
]


@pytest.fixture
def salesforce(private_networks: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSalesforce]:
    monkeypatch.setenv("SYNC_REMOTE_LAG_SECONDS", "0")
    monkeypatch.setenv("SYNC_LOCAL_LAG_SECONDS", "0")
    reset_settings()
    with FakeSalesforce(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def harness(
    db: firestore.Client, team: str, salesforce: FakeSalesforce, monkeypatch: pytest.MonkeyPatch
) -> SyncHarness:
    harness = SyncHarness(db, team, salesforce.url, "salesforce").connect(monkeypatch)
    harness.configure(fieldMappings=MAPPINGS)
    return harness


def test_a_first_pull_pages_by_modstamp_and_id_through_many_records_of_one_second(
    harness: SyncHarness, salesforce: FakeSalesforce
) -> None:
    salesforce.clock.freeze(salesforce.now_ms() - 60_000)  # a minute ago: a settled second
    salesforce.add_many(PEOPLE)  # 450 records in one second: more than two pages of 200

    run = harness.run()

    assert run["status"] == "succeeded", run
    assert run["counts"]["created"] == len(PEOPLE)
    assert len(harness.contacts()) == len(PEOPLE)
    assert salesforce.writes() == 0


def test_a_second_run_is_quiet_even_though_salesforce_moves_its_stamps(
    harness: SyncHarness, salesforce: FakeSalesforce
) -> None:
    ids = salesforce.add_many(PEOPLE[:20])
    harness.run()
    salesforce.touch(*ids)  # a save with no change still moves SystemModstamp
    before = harness.update_times()
    salesforce.reset_log()

    run = harness.run()

    assert harness.update_times() == before
    assert salesforce.writes() == 0
    assert run["counts"]["unchanged"] >= 20


def test_a_deleted_record_marks_its_link_and_is_not_recreated(
    harness: SyncHarness, salesforce: FakeSalesforce
) -> None:
    ids = salesforce.add_many(PEOPLE[:2])
    harness.run()
    salesforce.delete(ids[0])

    harness.run()
    harness.run()

    [(_, data)] = harness.by_email("sf1@example.com")
    assert data["sync"][harness.config_id]["remoteDeleted"] is True
    assert len(salesforce.records()) == 1


def test_a_merge_repoints_the_losers_link_to_the_master(
    harness: SyncHarness, salesforce: FakeSalesforce
) -> None:
    ids = salesforce.add_many(PEOPLE[:2])
    harness.run()
    contacts_before = set(harness.contacts())

    salesforce.merge(ids[0], ids[1])
    run = harness.run()

    assert run["status"] == "succeeded", run
    assert set(harness.contacts()) == contacts_before
    links = {cid: data["sync"][harness.config_id] for cid, data in harness.contacts().items()}
    loser_links = [link for link in links.values() if link.get("mergedInto") == ids[0]]
    assert len(loser_links) == 1
    assert not any(link["remoteId"] == ids[1] and not link.get("mergedInto") for link in links.values())


def test_a_new_local_contact_is_linked_to_the_record_with_its_email_instead_of_created(
    harness: SyncHarness, salesforce: FakeSalesforce
) -> None:
    harness.run()
    existing = salesforce.add(Email="known@example.com", FirstName="Known", LastName="Person")
    salesforce.reset_log()
    harness.write_contact(
        "known", {"email": "Known@Example.com", "lastName": "Person", "phone": "+14155550100"}
    )

    harness.run()

    assert salesforce.calls("collections_create") == 0
    assert harness.contact("known")["sync"][harness.config_id]["remoteId"] == existing
    assert (salesforce.get(existing) or {})["Phone"] == "+14155550100"


def test_creates_count_per_record_failures_and_two_records_with_one_email_are_flagged(
    harness: SyncHarness, salesforce: FakeSalesforce
) -> None:
    harness.run()
    salesforce.add(Email="twice@example.com", LastName="One")
    salesforce.add(Email="twice@example.com", LastName="Two")
    harness.write_contact("twice", {"email": "twice@example.com", "lastName": "Three"})
    harness.write_contact("nolastname", {"email": "nolast@example.com", "firstName": "No"})
    harness.write_contact("good", {"email": "good@example.com", "lastName": "Good"})

    run = harness.run()
    again = harness.run()

    assert run["status"] == "partial"
    # Pulled: the two records sharing an email are not linked to (nor copied over) ours; pushed: ours
    # is not linked to either of them, and the one without a last name is refused by Salesforce.
    assert run["counts"]["failed"] == 4
    assert set(harness.contacts()) == {"twice", "nolastname", "good"}
    assert sum("several CRM records" in failure for failure in run["failures"]) == 3
    assert any("REQUIRED_FIELD_MISSING" in failure for failure in run["failures"])
    assert [record["Email"] for record in salesforce.records()].count("good@example.com") == 1
    assert again["counts"]["created"] == 0  # the good one is not created twice


def test_the_orgs_exhausted_allocation_fails_the_run_clearly(
    harness: SyncHarness, salesforce: FakeSalesforce
) -> None:
    salesforce.add_many(PEOPLE[:5])
    salesforce.rate_limit_next(1)

    run = harness.run()

    assert run["status"] == "failed"
    assert "403" in run["error"]


def test_the_run_stops_at_eighty_percent_of_the_daily_allocation(
    harness: SyncHarness, salesforce: FakeSalesforce
) -> None:
    salesforce.add_many(PEOPLE[:5])
    salesforce.daily_limit = 100
    salesforce.api_usage = 85

    run = harness.run()

    assert run["status"] == "failed"
    assert "daily API calls" in run["error"]


def test_records_of_the_signposts_second_wait_for_a_later_run_and_none_is_skipped(
    harness: SyncHarness, salesforce: FakeSalesforce
) -> None:
    """Stamps are whole seconds: within the second a run's signpost falls in, a later save may sort before
    what was read, so no cursor passes into that second; a run after it has passed reads the rest."""
    salesforce.clock.freeze()  # 300 records in the current second, more than a page of 200
    salesforce.add_many(PEOPLE[:300])

    first = harness.run()
    time.sleep(1.1)  # the second passes (the signpost is the real clock's)
    second = harness.run()

    assert first["counts"]["created"] + second["counts"]["created"] == 300
    assert len(harness.contacts()) == 300
