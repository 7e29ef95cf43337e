"""The API Keys tab's chart: validations per key per day over 30 days, read with ONE Firestore query on
`teams/{teamId}/apiKeyUsage`, with its totals as the caption (the chart's text alternative)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.cloud import firestore
from playwright.sync_api import Page, expect

from tests.browser.conftest import Team, open_tab, sign_in
from tests.e2e.conftest import call_function


def write_usage(db: firestore.Client, team_id: str, counts_by_day: dict[int, dict[str, int]]) -> None:
    """Day documents as the usage flusher writes them (shared/store/api_keys.add_usage): `keys.{keyId}`
    per UTC day, `days_ago` days back."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for days_ago, keys in counts_by_day.items():
        day = today - timedelta(days=days_ago)
        db.document(f"teams/{team_id}/apiKeyUsage/{day.date().isoformat()}").set(
            {"date": day, "keys": keys, "expireAt": day + timedelta(days=90)}
        )


def test_validations_per_key_per_day_are_charted_with_their_totals(
    db: firestore.Client, page: Page, team: Team
) -> None:
    ids = {}
    for name in ("Reporting script", "Zapier bridge"):
        created = call_function(
            "api_keys_create",
            {"teamId": team.team_id, "name": name, "scopes": ["reports:read"]},
            token=team.owner.token,
        )
        assert created.status == 200, created.body
        ids[name] = created.result["id"]
    reporting, zapier = ids["Reporting script"], ids["Zapier bridge"]
    # Day 40 is outside the 30 days charted; it must not count.
    write_usage(
        db,
        team.team_id,
        {0: {reporting: 5, zapier: 2}, 3: {reporting: 7}, 29: {zapier: 11}, 40: {reporting: 1000}},
    )

    sign_in(page, team.owner)
    open_tab(page, "API Keys")
    chart = page.get_by_role("figure").filter(
        has=page.get_by_role("img", name="Validations per key per day, last 30 days")
    )
    expect(chart.locator("figcaption")).to_have_text(
        "25 validations in the last 30 days: Reporting script 12, Zapier bridge 13."
    )
    # One bar segment per (day, key) with validations: 4 of them.
    expect(chart.locator("rect")).to_have_count(4)
