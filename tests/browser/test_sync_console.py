"""The Sync tab in a real browser: a configuration made with the mapping editor (remote fields asked of a
fake HubSpot on loopback; a bad transformer refused in its row), "Run now" through the Tasks emulator
with the run's counts in the history and its chart, a conflict resolved with "Keep local"; a member sees
it all without the write controls.

The conflict document is written straight into the Firestore emulator (as the engine writes one): making
one through real runs needs a change on both sides and a wait past the outbox's settle lag (10 s)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, Team, open_tab, sign_in
from tests.e2e.conftest import call_function
from tests.support.fake_hubspot import FakeHubSpot

TOKEN = "browser-hubspot-private-app-token-01"
# A run goes through the Tasks emulator and a cold function worker on a loaded machine: this bounds the
# wait, it asserts nothing about speed.
RUN_WAIT_MS = 150_000


def create_hubspot(team: Team, url: str) -> str:
    created = call_function(
        "integrations_create",
        {
            "teamId": team.team_id,
            "type": "rest",
            "name": "HubSpot",
            "marketplaceId": "hubspot",
            "config": {"baseUrl": url, "auth": {"type": "bearer", "token": TOKEN}},
        },
        token=team.owner.token,
    )
    assert created.status == 200, created.body
    return str(created.result["id"])


def seed_conflict(db: firestore.Client, team: Team, config_id: str, contact_id: str, remote_id: str) -> str:
    now = datetime.now(UTC)
    conflict: dict[str, Any] = {
        "teamId": team.team_id,
        "configId": config_id,
        "contactId": contact_id,
        "remoteId": remote_id,
        "status": "open",
        "fields": [
            {
                "localField": "firstName",
                "remoteField": "firstname",
                "localValue": "Ada (ours)",
                "remoteValue": "Ada (theirs)",
                "baseValue": "Ada",
            }
        ],
        "createdAt": now,
        "updatedAt": now,
    }
    db.document(f"teams/{team.team_id}/syncConflicts/conflict-{contact_id}").set(conflict)
    return f"conflict-{contact_id}"


def test_a_configuration_is_made_run_now_and_its_conflict_resolved(
    db: firestore.Client, page: Page, team: Team
) -> None:
    with FakeHubSpot(token=TOKEN) as hubspot:
        hubspot.add_many(
            [
                {"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace"},
                {"email": "grace@example.com", "firstname": "Grace", "lastname": "Hopper"},
                {"email": "alan@example.com", "firstname": "Alan", "lastname": "Turing"},
            ]
        )
        create_hubspot(team, hubspot.url)
        sign_in(page, team.owner)
        open_tab(page, "Sync")
        expect(page.get_by_text("No sync configurations yet.")).to_be_visible()
        page.get_by_role("button", name="Create sync configuration").click()
        dialog = page.get_by_role("dialog", name="Create sync configuration")

        # The remote fields are the CRM's, listed by sync_remote_fields.
        remote = dialog.get_by_label("Remote field 1")
        expect(remote.locator("option", has_text="(email)")).to_have_count(1)
        dialog.get_by_label("Local field 1").fill("email")
        remote.select_option("email")
        dialog.get_by_label("Transformer 1").fill("trim | shout")
        dialog.get_by_role("button", name="Add mapping").click()
        dialog.get_by_label("Local field 2").fill("firstName")
        dialog.get_by_label("Remote field 2").select_option("firstname")
        dialog.get_by_label("Direction").select_option("pull")
        dialog.get_by_label("Every").fill("2")
        dialog.get_by_label("Unit").select_option("hours")
        dialog.get_by_role("button", name="Save").click()

        # Refused in the row it names, nothing saved.
        error = dialog.locator("#mapping-0-error")
        expect(error).to_contain_text("Mapping 1:")
        expect(error).to_contain_text('unknown stage "shout" at column 8')
        expect(dialog.get_by_label("Transformer 1")).to_have_attribute("aria-invalid", "true")
        expect(dialog.get_by_label("Transformer 2")).to_have_attribute("aria-invalid", "false")
        listed = call_function("sync_configs_list", {"teamId": team.team_id}, token=team.owner.token)
        assert listed.result["items"] == []

        dialog.get_by_label("Transformer 1").fill("trim | lowercase")
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_have_count(0)

        row = page.get_by_role("row", name="HubSpot")
        expect(row).to_contain_text("every 2 hours")
        expect(row).to_contain_text("email ← email | trim | lowercase")
        expect(row).to_contain_text("never run")
        [config] = call_function(
            "sync_configs_list", {"teamId": team.team_id}, token=team.owner.token
        ).result["items"]
        assert config["frequency"] == 7_200_000

        row.get_by_role("button", name="Run now").click()
        expect(row.get_by_role("status")).to_have_text("Run queued.")
        runs = page.get_by_role("table", name="Sync runs")
        finished = runs.get_by_role("row").filter(has_text="succeeded")
        expect(finished).to_have_count(1, timeout=RUN_WAIT_MS)
        expect(finished).to_contain_text("manual")
        expect(finished).to_contain_text("pulled 3")
        expect(finished).to_contain_text("created 3")
        expect(page.get_by_role("img", name="Records per sync run")).to_be_visible()
        expect(page.locator("figcaption", has_text="The last run:")).to_contain_text("3 records pulled")

        # Edited: the frequency in other units, the mappings as they were.
        row.get_by_role("button", name="Edit").click()
        edit = page.get_by_role("dialog", name="Edit sync configuration")
        expect(edit.get_by_label("Every")).to_have_value("2")
        expect(edit.get_by_label("Unit")).to_have_value("hours")
        expect(edit.get_by_label("Transformer 1")).to_have_value("trim | lowercase")
        edit.get_by_label("Every").fill("30")
        edit.get_by_label("Unit").select_option("minutes")
        edit.get_by_role("button", name="Save").click()
        expect(edit).to_have_count(0)
        expect(row).to_contain_text("every 30 minutes")
        [edited] = call_function(
            "sync_configs_list", {"teamId": team.team_id}, token=team.owner.token
        ).result["items"]
        assert edited["frequency"] == 1_800_000
        assert edited["fieldMappings"] == config["fieldMappings"]

    contacts = {doc.get("email"): doc.id for doc in db.collection(f"teams/{team.team_id}/contacts").stream()}
    assert set(contacts) == {"ada@example.com", "grace@example.com", "alan@example.com"}
    ada = contacts["ada@example.com"]
    seed_conflict(db, team, config["id"], ada, "1")

    page.reload()
    conflict = page.get_by_role("row", name=f"Contact {ada}")
    expect(conflict).to_contain_text("firstName / firstname")
    expect(conflict.get_by_role("cell", name="Ada (ours)")).to_be_visible()
    expect(conflict.get_by_role("cell", name="Ada (theirs)")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "sync.png", full_page=True)

    conflict.get_by_role("button", name="Keep local").click()
    expect(page.get_by_text("No open conflicts.")).to_be_visible()
    stored = db.document(f"teams/{team.team_id}/syncConflicts/conflict-{ada}").get()
    assert (stored.get("status"), stored.get("resolution")) == ("resolved", "local")
    assert db.document(f"teams/{team.team_id}/contacts/{ada}").get().get("firstName") == "Ada (ours)"


def test_a_member_sees_sync_without_write_controls(db: firestore.Client, page: Page, team: Team) -> None:
    # No CRM answers at this address: the configuration is saved without asking for its remote fields.
    integration_id = create_hubspot(team, "http://127.0.0.1:9")
    created = call_function(
        "sync_configs_create",
        {
            "teamId": team.team_id,
            "integrationId": integration_id,
            "enabled": True,
            "syncDirection": "bidirectional",
            "frequency": 900_000,
            "fieldMappings": [{"localField": "email", "remoteField": "email", "bidirectional": True}],
            "conflictResolution": "manual",
        },
        token=team.owner.token,
    )
    assert created.status == 200, created.body
    seed_conflict(db, team, created.result["id"], "contact-1", "101")

    sign_in(page, team.member)
    open_tab(page, "Sync")
    row = page.get_by_role("row", name="HubSpot")
    expect(row).to_contain_text("every 15 minutes")
    expect(page.get_by_role("row", name="Contact contact-1")).to_contain_text("Ada (theirs)")
    panel = page.get_by_role("tabpanel", name="Sync")
    for name in ("Create sync configuration", "Run now", "Edit", "Delete", "Keep local", "Keep remote"):
        expect(panel.get_by_role("button", name=name)).to_have_count(0)
