"""OAuth's pure parts: PKCE, the launch's state and origin checks, the browser's bindings, return-URL
building, reason cleaning, due dates, forced-refresh coalescing, connection ids, the built-in provider
registry and its overrides, the schedule slot and task ids. No servers, no Firestore.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from shared import tasks
from shared.models.oauth import ConnectionStatus, OAuthConnectionDoc, OAuthProvider
from shared.oauth import flow, providers, scheduler, tokens
from shared.settings import reset_settings

NOW = datetime(2027, 3, 14, 12, 0, 0, tzinfo=UTC)


# --- PKCE -----------------------------------------------------------------------------------------


def test_the_code_challenge_matches_rfc_7636_appendix_b() -> None:
    # The verifier exactly as RFC 7636 prints it (note "-mB9" and "r_wW1").
    assert (
        flow._code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_the_code_challenge_is_unpadded_base64url() -> None:
    for verifier in ("a" * 43, "b" * 128, "x-y_z.~" * 10):
        challenge = flow._code_challenge(verifier)
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge), challenge


# --- the launch -----------------------------------------------------------------------------------


def test_the_state_is_derived_from_the_launch_and_does_not_show_it() -> None:
    launch = "L" * 43
    state = flow._state_for(launch)
    assert state == flow._state_for(launch)
    assert state != flow._state_for("M" * 43)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", state)
    assert launch not in state


@pytest.mark.parametrize(
    ("origin", "referer", "expected"),
    [
        (None, "https://app.example.com/settings?tab=oauth", "https://app.example.com"),
        (None, "https://App.Example.COM:443/", "https://app.example.com"),
        (None, "http://localhost:3000/", "http://localhost:3000"),
        (None, "http://localhost:80/x", "http://localhost"),
        (None, "http://[::1]:3000/", "http://[::1]:3000"),
        ("https://app.example.com", "https://evil.example/", "https://app.example.com"),
        ("https://evil.example", "https://app.example.com/", "https://evil.example"),
        ("null", "https://app.example.com/", "https://app.example.com"),
        (None, None, None),
        (None, "null", None),
        (None, "app.example.com", None),
        (None, "ftp://app.example.com/", None),
        (None, "https://app.example.com:99999/", None),
        ("garbage", "https://app.example.com/", None),
    ],
)
def test_the_page_origin_is_origin_else_the_referers_origin(
    origin: str | None, referer: str | None, expected: str | None
) -> None:
    assert flow.page_origin(origin, referer) == expected


@pytest.mark.parametrize(
    ("cookie", "bindings"),
    [
        (None, []),
        ("", []),
        ("A" * 43, ["A" * 43]),
        (f"{'A' * 43}.{'B' * 43}", ["A" * 43, "B" * 43]),
        # Another application's value on the same origin, or a tampered one: not ours, dropped.
        (f"session-data=1.{'B' * 43}.short.{'c' * 200}", ["B" * 43]),
    ],
)
def test_the_cookie_holds_bindings_joined_by_dots(cookie: str | None, bindings: list[str]) -> None:
    assert flow.browser_bindings(cookie) == bindings


# --- the return URL -------------------------------------------------------------------------------


def test_with_query_adds_parameters_after_the_existing_ones_and_keeps_the_fragment() -> None:
    url = flow._with_query(
        "https://app.example.com/settings/integrations?tab=oauth&empty=#section-2",
        status="connected",
        oauthId="custom-acme_admin",
    )

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "app.example.com", "/settings/integrations")
    assert parts.fragment == "section-2"
    assert parse_qsl(parts.query, keep_blank_values=True) == [
        ("tab", "oauth"),
        ("empty", ""),
        ("status", "connected"),
        ("oauthId", "custom-acme_admin"),
    ]


def test_with_query_on_a_url_without_a_query() -> None:
    assert (
        flow._with_query("http://localhost:3000/back", status="error", reason="access_denied")
        == "http://localhost:3000/back?status=error&reason=access_denied"
    )


def test_with_query_encodes_the_values() -> None:
    url = flow._with_query("https://app.example.com/", reason="a&b=c #d")
    assert dict(parse_qsl(urlsplit(url).query)) == {"reason": "a&b=c #d"}
    assert urlsplit(url).fragment == ""


# --- the provider's error reason ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("access_denied", "access_denied"),
        ("server.error-2", "server.error-2"),
        ("<script>alert(1)</script>", "scriptalert1script"),
        ("bad reason\r\nSet-Cookie: x=1", "badreasonSet-Cookiex1"),
        ("a&status=connected", "astatusconnected"),
        ("%0d%0a", "0d0a"),
        ("'\"/\\?#", "error"),
        ("", "error"),
        ("   ", "error"),
        ("r" * 500, "r" * 64),
    ],
)
def test_safe_reason_keeps_letters_digits_and_few_punctuation_marks(raw: str, cleaned: str) -> None:
    assert flow._safe_reason(raw) == cleaned


# --- when a connection is due for a refresh -------------------------------------------------------


def connection(expires_in: timedelta | None, refreshed_ago: timedelta) -> OAuthConnectionDoc:
    return OAuthConnectionDoc(
        id="custom-acme_admin",
        team_id="team-a",
        provider=OAuthProvider.CUSTOM,
        custom_provider_id="acme",
        user_id="admin",
        status=ConnectionStatus.ACTIVE,
        expires_at=NOW + expires_in if expires_in is not None else None,
        created_at=NOW - timedelta(days=3),
        updated_at=NOW - refreshed_ago,
        last_refreshed_at=NOW - refreshed_ago,
    )


MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("case", "expires_in", "refreshed_ago", "due"),
    [
        ("expires in 14:59", 15 * MINUTE - SECOND, MINUTE, True),
        ("expires in exactly 15:00", 15 * MINUTE, MINUTE, True),
        ("expires in 15:01", 15 * MINUTE + SECOND, MINUTE, False),
        ("already expired", -MINUTE, MINUTE, True),
        ("expires in 2 hours", timedelta(hours=2), MINUTE, False),
        ("refreshed 23:59 ago", timedelta(hours=2), timedelta(hours=24) - MINUTE, False),
        ("refreshed exactly 24:00 ago", timedelta(hours=2), timedelta(hours=24), True),
        ("refreshed 24:01 ago", timedelta(hours=2), timedelta(hours=24) + MINUTE, True),
        ("no expiry, refreshed 23:59 ago", None, timedelta(hours=24) - MINUTE, False),
        ("no expiry, refreshed 24:01 ago", None, timedelta(hours=24) + MINUTE, True),
        ("no expiry, refreshed a minute ago", None, MINUTE, False),
    ],
)
def test_is_due_at_the_boundaries(
    case: str, expires_in: timedelta | None, refreshed_ago: timedelta, due: bool
) -> None:
    assert tokens.is_due(connection(expires_in, refreshed_ago), NOW) is due, case


# --- forced refreshes -----------------------------------------------------------------------------

WINDOW = tokens.FORCED_REFRESH_WINDOW


@pytest.mark.parametrize(
    ("case", "refreshed_ago", "granted_ago", "answered"),
    [
        ("refreshed after the call began (it overlapped)", -SECOND, -SECOND, True),
        ("a token stored from elsewhere after the call began", -SECOND, None, True),
        ("granted 1 s before the call began", SECOND, SECOND, True),
        ("granted exactly one window before", WINDOW, WINDOW, True),
        ("granted one window and a second before", WINDOW + SECOND, WINDOW + SECOND, False),
        ("stored from elsewhere or by the code exchange 1 s before", SECOND, None, False),
    ],
)
def test_what_answers_a_forced_refresh(
    case: str, refreshed_ago: timedelta, granted_ago: timedelta | None, answered: bool
) -> None:
    current = connection(timedelta(hours=1), refreshed_ago).model_copy(
        update={"last_refresh_grant_at": NOW - granted_ago if granted_ago is not None else None}
    )
    assert tokens._refreshed_for(current, NOW) is answered, case


# --- connection ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "custom_provider_id", "user_id", "expected"),
    [
        (OAuthProvider.GOOGLE, None, "admin", "google_admin"),
        (OAuthProvider.SALESFORCE, None, "user@example.com", "salesforce_user_40example_2ecom"),
        (OAuthProvider.HUBSPOT, None, "user-42", "hubspot_user-42"),
        (OAuthProvider.SLACK, None, "U123", "slack_U123"),
        (OAuthProvider.MICROSOFT, None, "u.1", "microsoft_u_2e1"),
        (OAuthProvider.CUSTOM, "acme", "admin", "custom-acme_admin"),
        (OAuthProvider.CUSTOM, "acme-crm-2", "user-42", "custom-acme-crm-2_user-42"),
    ],
)
def test_oauth_id_for(
    provider: OAuthProvider, custom_provider_id: str | None, user_id: str, expected: str
) -> None:
    assert tokens.oauth_id_for(provider, custom_provider_id, user_id) == expected


def test_a_custom_provider_never_shares_an_id_with_a_built_in_one() -> None:
    builtin = {tokens.oauth_id_for(p, None, "admin") for p in OAuthProvider if p is not OAuthProvider.CUSTOM}
    custom = {tokens.oauth_id_for(OAuthProvider.CUSTOM, p.value, "admin") for p in OAuthProvider}
    assert not builtin & custom


# --- the built-in providers -----------------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registry read afresh, with no endpoint overrides unless the test sets some."""
    monkeypatch.delenv("OAUTH_PROVIDER_ENDPOINTS", raising=False)
    reset_settings()
    providers.builtin_specs.cache_clear()
    yield
    providers.builtin_specs.cache_clear()
    reset_settings()


@pytest.mark.usefixtures("registry")
def test_every_provider_but_custom_is_built_in() -> None:
    specs = providers.builtin_specs()

    assert set(specs) == {p.value for p in OAuthProvider if p is not OAuthProvider.CUSTOM}
    for provider_id, spec in specs.items():
        assert spec.id == provider_id
        assert spec.name
        assert spec.authorization_url.startswith("https://"), provider_id
        assert spec.token_url.startswith("https://"), provider_id
        assert spec.default_scopes, provider_id
        assert (spec.revocation_url is None) == (spec.revocation_style is None), provider_id


@pytest.mark.usefixtures("registry")
def test_the_built_in_provider_specifics() -> None:
    specs = providers.builtin_specs()

    assert specs["slack"].scope_separator == ","
    assert specs["slack"].revocation_style == "slack"
    assert specs["google"].extra_authorization_params == {"access_type": "offline", "prompt": "consent"}
    assert specs["google"].pkce is True
    microsoft = specs["microsoft"]
    assert "/common/oauth2/v2.0" in microsoft.authorization_url
    assert "/common/oauth2/v2.0" in microsoft.token_url
    assert "offline_access" in microsoft.default_scopes
    assert microsoft.revocation_url is None
    salesforce = specs["salesforce"]
    assert "offline_access" in salesforce.default_scopes
    assert "instance_url" in salesforce.account_fields
    hubspot = specs["hubspot"]
    assert hubspot.default_token_lifetime_seconds == 1800
    assert hubspot.revocation_style == "hubspot_delete"
    assert "{refresh_token}" in (hubspot.revocation_url or "")
    for name in ("salesforce", "hubspot", "microsoft", "google"):
        assert specs[name].scope_separator == " ", name


@pytest.mark.usefixtures("registry")
def test_endpoint_overrides_replace_only_the_named_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    original = providers.builtin_specs()["salesforce"]
    providers.builtin_specs.cache_clear()
    monkeypatch.setenv(
        "OAUTH_PROVIDER_ENDPOINTS",
        json.dumps(
            {
                "salesforce": {
                    "authorizationUrl": "https://test.salesforce.com/services/oauth2/authorize",
                    "tokenUrl": "https://test.salesforce.com/services/oauth2/token",
                },
                "google": {"revocationUrl": "http://127.0.0.1:9/revoke"},
                "myspace": {"tokenUrl": "https://myspace.example/token"},
            }
        ),
    )
    reset_settings()

    specs = providers.builtin_specs()

    salesforce = specs["salesforce"]
    assert salesforce.authorization_url == "https://test.salesforce.com/services/oauth2/authorize"
    assert salesforce.token_url == "https://test.salesforce.com/services/oauth2/token"
    assert salesforce.revocation_url == original.revocation_url
    assert salesforce.default_scopes == original.default_scopes
    assert specs["google"].revocation_url == "http://127.0.0.1:9/revoke"
    assert specs["google"].token_url == "https://oauth2.googleapis.com/token"
    assert "myspace" not in specs
    assert specs["hubspot"].token_url == "https://api.hubapi.com/oauth/v1/token"


# --- the schedule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (datetime(2027, 3, 14, 12, 0, 0, tzinfo=UTC), "2027-03-14T12:00:00+00:00"),
        (datetime(2027, 3, 14, 12, 9, 59, 999_999, tzinfo=UTC), "2027-03-14T12:00:00+00:00"),
        (datetime(2027, 3, 14, 12, 10, 0, tzinfo=UTC), "2027-03-14T12:10:00+00:00"),
        (datetime(2027, 3, 14, 12, 37, 45, 123, tzinfo=UTC), "2027-03-14T12:30:00+00:00"),
        (datetime(2027, 3, 14, 23, 59, 59, tzinfo=UTC), "2027-03-14T23:50:00+00:00"),
    ],
)
def test_the_refresh_slot_floors_to_ten_minutes(now: datetime, slot: str) -> None:
    assert scheduler.REFRESH_SWEEP.slot(now).isoformat() == slot


# --- task ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parts",
    [
        ("refresh", "team-a", "custom-acme_admin", "2027-03-14T12:30:00+00:00"),
        ("a/b", "c d", "é ü 漢字", "!@#$%^&*()"),
        ("x" * 10_000,),
        ("",),
        (),
    ],
    ids=["typical", "odd characters", "very long", "empty part", "no parts"],
)
def test_task_ids_are_stable_short_and_use_allowed_characters(parts: tuple[str, ...]) -> None:
    identifier = tasks.task_id(*parts)

    assert identifier == tasks.task_id(*parts)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", identifier), identifier
    assert len(identifier) <= 500


def test_task_ids_differ_with_their_parts() -> None:
    ids = {
        tasks.task_id("refresh", "team-a", "c1", "slot-1"),
        tasks.task_id("refresh", "team-a", "c2", "slot-1"),
        tasks.task_id("refresh", "team-b", "c1", "slot-1"),
        tasks.task_id("refresh", "team-a", "c1", "slot-2"),
    }
    assert len(ids) == 4
