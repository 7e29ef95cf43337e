"""The API Keys tab in a real browser: a key created, shown and copied once, masked afterwards; a
scope-less create refused next to the scopes; enable/disable; expiry warnings; delete with confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.cloud import firestore
from playwright.sync_api import Page, expect

from shared.models.api_keys import ApiKeyDoc
from tests.browser.conftest import Team, open_tab, sign_in
from tests.e2e.conftest import call_function


def put_expired_key(db: firestore.Client, team: Team) -> None:
    """A key past its expiry (the callables refuse to create one), stored as api_keys_create stores keys."""
    past = datetime.now(UTC) - timedelta(days=3)
    doc = ApiKeyDoc(
        id="expired-key",
        team_id=team.team_id,
        name="Old export job",
        start="AbCd",
        end="WxYz",
        key_hash="0" * 64,
        scopes=["reports:export"],
        enabled=True,
        expires_at=past,
        created_at=past - timedelta(days=90),
        created_by=team.owner.uid,
        updated_at=past,
        usage_count=41,
        last_used=past - timedelta(days=1),
    )
    db.document(f"teams/{team.team_id}/apiKeys/expired-key").set(doc.to_firestore())


def test_a_key_is_shown_and_copied_once_then_masked(page: Page, team: Team) -> None:
    sign_in(page, team.owner)
    open_tab(page, "API Keys")

    page.get_by_role("button", name="Create API key").click()
    dialog = page.get_by_role("dialog", name="Create API key")
    dialog.get_by_label("Name").fill("Reporting script")
    dialog.get_by_role("button", name="Create").click()
    # No scope chosen: the callable's invalid-argument names `scopes`, shown under the scope picker.
    expect(dialog.locator("#key-scopes-error")).to_contain_text("at least 1 item")
    expect(dialog.get_by_label("Name")).not_to_have_attribute("aria-invalid", "true")

    dialog.get_by_label("tickets:read").check()
    dialog.get_by_label("reports:read").check()
    dialog.get_by_label("Expires in (days)").fill("5")
    dialog.get_by_role("button", name="Create").click()

    shown = page.get_by_role("dialog", name="Your new API key")
    key_field = shown.get_by_label("New API key")
    expect(key_field).to_have_attribute("type", "password")
    shown.get_by_role("button", name="Show").click()
    expect(key_field).to_have_attribute("type", "text")
    key = key_field.input_value()
    assert key.startswith("jk_live_")
    shown.get_by_role("button", name="Copy").click()
    expect(shown.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == key
    shown.get_by_role("button", name="Done").click()

    row = page.get_by_role("row", name="Reporting script")
    masked = f"jk_live_{key[8:12]}…{key[-4:]}"
    expect(row).to_contain_text(masked)
    expect(row).to_contain_text("tickets:read")
    expect(row).to_contain_text("Expires in 5 days")
    page.reload()
    expect(page.get_by_role("row", name="Reporting script")).to_contain_text(masked)
    assert key not in page.content()

    validation = call_function("api_keys_validate", {"key": key, "teamId": team.team_id})
    assert validation.result["valid"] is True


def test_keys_are_disabled_and_deleted_and_expired_ones_highlighted(
    page: Page, team: Team, db: firestore.Client
) -> None:
    created = call_function(
        "api_keys_create",
        {"teamId": team.team_id, "name": "Zap key", "scopes": ["contacts:read"]},
        token=team.owner.token,
    )
    assert created.status == 200, created.body
    put_expired_key(db, team)
    sign_in(page, team.owner)
    open_tab(page, "API Keys")

    expired = page.get_by_role("row", name="Old export job")
    expect(expired).to_have_class("expired")
    expect(expired).to_contain_text("Expired")

    row = page.get_by_role("row", name="Zap key")
    switch = row.get_by_label("Enabled: Zap key")
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(switch).to_be_enabled()  # the change has been answered
    expect(switch).not_to_be_checked()
    expect(row).to_contain_text("Off")
    got = call_function(
        "api_keys_get", {"teamId": team.team_id, "keyId": created.result["id"]}, token=team.owner.token
    )
    assert got.result["enabled"] is False

    row.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name='Delete API key "Zap key"?')
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(row).to_be_visible()

    row.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name='Delete API key "Zap key"?').get_by_role("button", name="Delete").click()
    expect(page.get_by_role("row", name="Zap key")).to_have_count(0)
    listed = call_function("api_keys_list", {"teamId": team.team_id}, token=team.owner.token)
    assert [item["name"] for item in listed.result["items"]] == ["Old export job"]
