"""The Connections and Webhooks tabs in a real browser: connections listed live with their status,
reconnect offered when one needs it, revoke with confirmation; deliveries with their attempts, a
retry that succeeds, and a signing-secret rotation shown once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from google.cloud import firestore
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, Team, open_tab, sign_in, store_connection
from tests.e2e.conftest import call_function
from tests.support.http_servers import Received, Reply, serving


def test_connections_show_their_status_live_and_are_revoked(
    page: Page, team: Team, db: firestore.Client
) -> None:
    google_id = store_connection(team, "google", "alice@example.com")
    hubspot_id = store_connection(team, "hubspot", "bob@example.com")
    sign_in(page, team.owner)
    open_tab(page, "Connections")

    google = page.get_by_role("row", name="Google alice@example.com")
    expect(google).to_contain_text("Connected")
    expect(google.get_by_role("button", name="Reconnect")).to_have_count(0)
    assert "google-access-token-value" not in page.content()

    # What the refresh job does on invalid_grant; the open page follows through its listener.
    db.document(f"teams/{team.team_id}/oauthTokens/{hubspot_id}").update({"status": "needs_reauth"})
    hubspot = page.get_by_role("row", name="HubSpot bob@example.com")
    expect(hubspot).to_contain_text("Needs reconnecting")
    expect(hubspot.get_by_role("button", name="Reconnect")).to_be_visible()

    # No OAuth client is configured in the emulator suite: oauth_start refuses, and the page says why.
    page.get_by_label("Provider").select_option("salesforce")
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Could not start connecting")

    google.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog", name="Revoke the Google alice@example.com connection?").get_by_role(
        "button", name="Revoke"
    ).click()
    expect(google).to_contain_text("Revoked")
    stored = db.document(f"teams/{team.team_id}/oauthTokens/{google_id}").get().to_dict() or {}
    assert stored["status"] == "revoked"


def test_a_failed_delivery_is_retried_and_the_signing_secret_rotated(
    page: Page, team: Team, db: firestore.Client
) -> None:
    accepting: list[bool] = []

    def refusing_until_told(_request: Received) -> Reply:
        return Reply(status=200 if accepting else 500)

    with serving(refusing_until_told) as receiver:
        created = call_function(
            "integrations_create",
            {
                "teamId": team.team_id,
                "type": "webhook",
                "name": "Ticket receiver",
                "config": {"url": f"{receiver.url}/tickets", "events": ["ticket.created"]},
            },
            token=team.owner.token,
        )
        assert created.status == 200, created.body
        first_secret = created.result["signingSecret"]
        now = datetime.now(UTC)
        db.document(f"teams/{team.team_id}/tickets/browser-1").set(
            {"subject": "The printer is on fire", "status": "open", "createdAt": now, "updatedAt": now}
        )
        # The Cloud Tasks emulator dispatches a task at once whatever its schedule, so the delivery runs
        # through its 8 attempts within seconds and fails: a failed delivery is retried only by hand.
        deadline = time.monotonic() + 120
        failed = {"teamId": team.team_id, "status": "failed"}
        while time.monotonic() < deadline:
            if call_function("deliveries_list", failed, token=team.owner.token).result["items"]:
                break
            time.sleep(1)

        sign_in(page, team.owner)
        open_tab(page, "Webhooks")
        delivery = page.get_by_role("row", name="ticket.created to Ticket receiver")
        expect(delivery).to_contain_text("failed")
        expect(delivery).to_contain_text("HTTP 500")
        rate = page.get_by_role("figure").filter(
            has=page.get_by_role("img", name="Delivery success rate per day")
        )
        expect(rate.locator("figcaption")).to_contain_text("0 of 1 finished deliveries succeeded (0%)")
        refused = len(receiver.received)
        assert refused == 8

        accepting.append(True)
        delivery.get_by_role("button", name="Retry").click()
        deadline = time.monotonic() + 90
        while len(receiver.received) == refused and time.monotonic() < deadline:
            time.sleep(0.5)

    assert len(receiver.received) == refused + 1
    page.reload()
    open_tab(page, "Webhooks")
    expect(delivery).to_contain_text("succeeded")
    delivery.get_by_text("9", exact=True).click()  # the attempts, opened
    # A delivery keeps its latest 8 attempts (shared/webhooks/delivery.py KEPT_ATTEMPTS).
    expect(delivery).to_contain_text("the latest 8 of 9")
    expect(delivery.locator("ol.attempts li")).to_have_count(8)
    expect(delivery.locator("ol.attempts li").last).to_contain_text("HTTP 200")
    expect(delivery.get_by_role("button", name="Retry")).to_have_count(0)
    expect(rate.locator("figcaption")).to_contain_text("1 of 1 finished deliveries succeeded (100%)")
    page.screenshot(path=SCREENSHOTS / "webhooks.png", full_page=True)

    secrets = page.get_by_role("row", name="Ticket receiver", exact=True)
    secrets.get_by_role("button", name="Rotate signing secret").click()
    page.get_by_role("dialog", name='Rotate the signing secret of "Ticket receiver"?').get_by_role(
        "button", name="Rotate"
    ).click()
    shown = page.get_by_role("dialog", name="New signing secret")
    shown.get_by_role("button", name="Show").click()
    new_secret = shown.get_by_label("New signing secret").input_value()
    assert new_secret.startswith("whsec_")
    assert new_secret != first_secret
    shown.get_by_role("button", name="Done").click()
    expect(secrets).not_to_contain_text("—")
