"""The API tab in a real browser: a team REST endpoint created (a bad path refused next to the Path
field, nothing written) and deleted with confirmation; the GraphQL schema saved with an SDL error (line
and column next to the editor), then valid, then an earlier version restored; a member sees both
read-only."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, Team, open_tab, sign_in
from tests.e2e.conftest import call_function

BROKEN_SDL = """type Query {
  contacts: [Contact!]!
}
"""
# Without a trailing newline: the server stores the SDL trimmed.
VALID_SDL = """type Query {
  contacts: [Contact!]!
}

type Contact {
  id: ID!
  email: String
}"""


def create_endpoint(team: Team, path: str) -> None:
    created = call_function(
        "rest_endpoints_create",
        {
            "teamId": team.team_id,
            "path": path,
            "method": "POST",
            "scopes": ["tickets:write"],
            "target": {"type": "event", "eventType": "custom.refund"},
        },
        token=team.owner.token,
    )
    assert created.status == 200, created.body


def test_an_endpoint_is_refused_for_its_path_then_created_and_deleted(page: Page, team: Team) -> None:
    sign_in(page, team.owner)
    open_tab(page, "API")
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    page.get_by_role("button", name="Create endpoint").click()
    dialog = page.get_by_role("dialog", name="Create endpoint")
    dialog.get_by_label("Path").fill("/orders/{orderId}/refund")
    dialog.get_by_label("tickets:write").check()
    dialog.get_by_label("JSON schema of the body").fill('{"type": "object", "required": ["orderId"]}')
    dialog.get_by_label("Event type").fill("custom.order.refund")
    dialog.get_by_role("button", name="Create").click()

    expect(dialog.locator("#endpoint-path-error")).to_be_visible()
    expect(dialog.get_by_label("Path")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Event type")).to_have_attribute("aria-invalid", "false")
    listed = call_function("rest_endpoints_list", {"teamId": team.team_id}, token=team.owner.token)
    assert listed.result["items"] == []

    dialog.get_by_label("Path").fill("/orders/refund")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_have_count(0)
    row = page.get_by_role("row", name="POST /orders/refund")
    expect(row).to_contain_text("/api/v1/custom/orders/refund")
    expect(row).to_contain_text("tickets:write")
    expect(row).to_contain_text("emits custom.order.refund")

    row.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete endpoint POST /orders/refund?")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    listed = call_function("rest_endpoints_list", {"teamId": team.team_id}, token=team.owner.token)
    assert listed.result["items"] == []


def test_a_schema_error_shows_its_line_then_a_valid_schema_is_saved_and_restored(
    page: Page, team: Team
) -> None:
    sign_in(page, team.owner)
    open_tab(page, "API")
    expect(page.get_by_text("No saved versions: the default schema is served.")).to_be_visible()
    sdl = page.get_by_label("Schema (SDL)")
    sdl.fill(BROKEN_SDL)
    page.get_by_label("Resolver map (JSON)").fill("")
    page.get_by_role("button", name="Save schema").click()

    error = page.locator("#sdl-error")
    expect(error).to_contain_text("Line 2, column 14")
    expect(error).to_contain_text("Unknown type 'Contact'")
    expect(sdl).to_have_attribute("aria-invalid", "true")
    assert (
        call_function("graphql_schema_get", {"teamId": team.team_id}, token=team.owner.token).result is None
    )

    # A resolver entry for a field the SDL does not have is named next to the map.
    sdl.fill(VALID_SDL)
    page.get_by_label("Resolver map (JSON)").fill(
        '{"Query.tickets": {"collection": "tickets", "scope": "tickets:read"}}'
    )
    page.get_by_role("button", name="Save schema").click()
    expect(page.locator("#resolvers-error")).to_contain_text("resolvers.Query.tickets")
    expect(page.locator("#sdl-error")).to_have_count(0)

    page.get_by_label("Resolver map (JSON)").fill(
        '{"Query.contacts": {"collection": "contacts", "scope": "contacts:read", "limit": 50}}'
    )
    page.get_by_label("Depth limit").fill("6")
    page.get_by_role("button", name="Save schema").click()
    expect(page.get_by_role("status").filter(has_text="Saved: version")).to_be_visible()
    first = call_function("graphql_schema_get", {"teamId": team.team_id}, token=team.owner.token).result
    assert (first["typeDefs"], first["depthLimit"], first["introspection"]) == (VALID_SDL, 6, False)
    versions = page.get_by_role("table", name="Schema versions")
    expect(versions.get_by_role("row", name=f"Version {first['id']}")).to_contain_text("active")

    page.get_by_role("switch", name="Introspection").check()
    page.get_by_role("button", name="Save schema").click()
    expect(versions.get_by_role("row")).to_have_count(3)
    second = call_function("graphql_schema_get", {"teamId": team.team_id}, token=team.owner.token).result
    assert second["id"] != first["id"]
    assert second["introspection"] is True
    # The picture shows an endpoint too (made by the callable: the page refetches it on reload).
    create_endpoint(team, "/orders/refund")
    page.reload()
    expect(page.get_by_role("row", name="POST /orders/refund")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "api.png", full_page=True)

    versions.get_by_role("row", name=f"Version {first['id']}").get_by_role("button", name="Restore").click()
    page.get_by_role("dialog", name="Restore this version?").get_by_role("button", name="Restore").click()
    expect(versions.get_by_role("row", name=f"Version {first['id']}")).to_contain_text("active")
    expect(page.get_by_role("switch", name="Introspection")).not_to_be_checked()
    active = call_function("graphql_schema_get", {"teamId": team.team_id}, token=team.owner.token).result
    assert active["id"] == first["id"]


def test_a_member_sees_the_api_tab_read_only(page: Page, team: Team) -> None:
    create_endpoint(team, "/orders/refund")
    saved = call_function(
        "graphql_schema_set", {"teamId": team.team_id, "typeDefs": VALID_SDL}, token=team.owner.token
    )
    assert saved.status == 200, saved.body

    sign_in(page, team.member)
    open_tab(page, "API")
    expect(page.get_by_role("row", name="POST /orders/refund")).to_be_visible()
    expect(page.get_by_label("Schema (SDL)")).to_have_value(VALID_SDL)
    expect(page.get_by_label("Schema (SDL)")).not_to_be_editable()
    expect(page.get_by_role("switch", name="Introspection")).to_be_disabled()
    panel = page.get_by_role("tabpanel", name="API")
    for name in ("Create endpoint", "Delete", "Save schema", "Restore"):
        expect(panel.get_by_role("button", name=name)).to_have_count(0)
