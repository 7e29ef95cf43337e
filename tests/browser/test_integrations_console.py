"""The Integrations tab in a real browser: a webhook integration created from its marketplace entry with
the form generated from the entry's JSON Schema, tested against a loopback receiver, its request log
updated live by the Firestore listener, edited, and deleted with confirmation."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Team, open_tab, sign_in
from tests.e2e.conftest import call_function
from tests.support.http_servers import serving


def test_a_marketplace_webhook_is_created_tested_logged_live_and_deleted(page: Page, team: Team) -> None:
    with serving() as receiver:
        sign_in(page, team.owner)
        open_tab(page, "Integrations")
        page.get_by_role("button", name="Create integration").click()
        dialog = page.get_by_role("dialog", name="Create integration")
        dialog.get_by_label("Marketplace entry").select_option("outgoing-webhook")
        expect(dialog.get_by_label("Type")).to_have_value("webhook")
        dialog.get_by_label("Name").fill("Local receiver")
        dialog.get_by_label("url (required)").fill(f"{receiver.url}/hooks/helpdesk")
        dialog.get_by_label("events (required)").fill("ticket.created, ticket.updated")
        dialog.get_by_role("button", name="Create").click()

        secret = page.get_by_role("dialog", name="Signing secret")
        expect(secret.get_by_label("Signing secret")).to_have_attribute("type", "password")
        secret.get_by_role("button", name="Show").click()
        assert secret.get_by_label("Signing secret").input_value().startswith("whsec_")
        secret.get_by_role("button", name="Done").click()

        row = page.get_by_role("row", name="Local receiver")
        expect(row.get_by_role("img", name="Status: active")).to_have_class("dot green")
        expect(row).to_contain_text("Webhook")
        row.get_by_role("button", name="Request log").click()
        log = page.get_by_role("region", name="Request log of Local receiver")
        expect(log).to_contain_text("No requests yet.")

        row.get_by_role("button", name="Test").click()
        expect(row.get_by_role("status")).to_contain_text("Passed")
        expect(row.get_by_role("status")).to_contain_text("HTTP 200")
        assert [request.path for request in receiver.received] == ["/hooks/helpdesk"]

    entries = log.get_by_role("row")
    expect(entries.filter(has_text=f"{receiver.url}/hooks/helpdesk")).to_have_count(1)

    # A record written by someone else (nothing in this page asks for it): only the listener brings it,
    # the 30 s refetch aside.
    integration_id = call_function(
        "integrations_list", {"teamId": team.team_id}, token=team.owner.token
    ).result["items"][0]["id"]
    logged = call_function(
        "request_logs_create",
        {
            "teamId": team.team_id,
            "integrationId": integration_id,
            "method": "GET",
            "endpoint": "https://crm.example.com/v1/contacts",
            "statusCode": 503,
            "duration": 812,
            "success": False,
            "error": "service unavailable",
        },
        token=team.owner.token,
    )
    assert logged.status == 200, logged.body
    expect(entries.filter(has_text="https://crm.example.com/v1/contacts")).to_contain_text(
        "service unavailable"
    )
    expect(entries).to_have_count(3)  # the header and two records
    latency = log.get_by_role("figure").filter(
        has=page.get_by_role("img", name="Request latency of Local receiver")
    )
    expect(latency.locator("figcaption")).to_contain_text("2 requests: median")
    expect(latency.locator("figcaption")).to_contain_text(", 1 failed.")
    expect(latency.locator("circle")).to_have_count(2)

    row.get_by_role("button", name="Edit").click()
    edit = page.get_by_role("dialog", name="Edit Local receiver")
    expect(edit.get_by_label("events (required)")).to_have_value("ticket.created, ticket.updated")
    edit.get_by_label("events (required)").fill("ticket.created")
    edit.get_by_role("button", name="Save").click()
    expect(edit).to_be_hidden()
    stored = call_function(
        "integrations_get", {"teamId": team.team_id, "integrationId": integration_id}, token=team.owner.token
    )
    assert stored.result["config"]["events"] == ["ticket.created"]
    assert stored.result["config"]["url"] == f"{receiver.url}/hooks/helpdesk"

    row.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name='Delete integration "Local receiver"?').get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.get_by_role("row", name="Local receiver")).to_have_count(0)
    listed = call_function("integrations_list", {"teamId": team.team_id}, token=team.owner.token)
    assert listed.result["items"] == []


def test_an_invalid_config_is_refused_next_to_its_field(page: Page, team: Team) -> None:
    sign_in(page, team.owner)
    open_tab(page, "Integrations")
    page.get_by_role("button", name="Create integration").click()
    dialog = page.get_by_role("dialog", name="Create integration")
    dialog.get_by_label("Marketplace entry").select_option("outgoing-webhook")
    dialog.get_by_label("Name").fill("Broken")
    dialog.get_by_label("url (required)").fill("https://example.com/hook")
    dialog.get_by_label("events (required)").fill("Not An Event")
    dialog.get_by_role("button", name="Create").click()

    expect(dialog.locator("#error-config-events")).to_be_visible()
    expect(dialog.get_by_label("events (required)")).to_have_attribute("aria-invalid", "true")
    assert (
        call_function("integrations_list", {"teamId": team.team_id}, token=team.owner.token).result["items"]
        == []
    )
