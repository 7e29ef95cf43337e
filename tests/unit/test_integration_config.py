"""Per-type integration configuration: validation naming `config.<field>`, secrets out and back, merges."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from shared import errors
from shared.integrations.config import join_secrets, merge, parse_config, split_secrets, to_wire
from shared.models.integrations import (
    GraphqlConfig,
    IntegrationType,
    RestConfig,
    SlackConfig,
    WebhookConfig,
    ZapierConfig,
)
from shared.settings import reset_settings


@pytest.fixture(autouse=True)
def _private_networks_not_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a deploy does: no ALLOW_PRIVATE_NETWORKS."""
    monkeypatch.delenv("ALLOW_PRIVATE_NETWORKS", raising=False)
    reset_settings()


def allow_private_networks(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ALLOW_PRIVATE_NETWORKS", value)
    reset_settings()


def refusal(integration_type: IntegrationType, raw: Any) -> errors.InvalidArgument:
    with pytest.raises(errors.InvalidArgument) as refused:
        parse_config(integration_type, raw)
    assert refused.value.code == errors.ErrorCode.INVALID_ARGUMENT
    field = refused.value.details["field"]
    assert refused.value.message.startswith(f"{field}: ")
    return refused.value


# --- good configurations --------------------------------------------------------------------------

GOOD_CONFIGS: list[tuple[IntegrationType, dict[str, Any], type]] = [
    (IntegrationType.SLACK, {"webhookUrl": "https://hooks.slack.com/services/T000/B000/XXXX"}, SlackConfig),
    (IntegrationType.SLACK, {"oauthId": "conn-1", "channel": "#support"}, SlackConfig),
    (IntegrationType.ZAPIER, {"hookUrl": "https://hooks.zapier.com/hooks/catch/123/abcdef/"}, ZapierConfig),
    (IntegrationType.REST, {"baseUrl": "https://api.example.com/v2"}, RestConfig),
    (
        IntegrationType.REST,
        {
            "baseUrl": "https://api.example.com/v2",
            "auth": {"type": "bearer", "token": "tok-123456789"},
            "headers": {"X-Api-Key": "header-secret-value", "Accept": "application/json"},
            "healthCheck": {"method": "HEAD", "path": "/health", "expectStatus": 204},
        },
        RestConfig,
    ),
    (
        IntegrationType.REST,
        {"baseUrl": "https://api.example.com", "auth": {"type": "basic", "username": "u", "password": "pw"}},
        RestConfig,
    ),
    (
        IntegrationType.REST,
        {
            "baseUrl": "https://api.example.com",
            "auth": {"type": "header", "headerName": "X-Key", "headerValue": "v-1"},
        },
        RestConfig,
    ),
    (
        IntegrationType.REST,
        {"baseUrl": "https://api.example.com", "auth": {"type": "oauth", "oauthId": "conn-9"}},
        RestConfig,
    ),
    (IntegrationType.REST, {"baseUrl": "https://api.example.com", "auth": {"type": "none"}}, RestConfig),
    (IntegrationType.GRAPHQL, {"endpoint": "https://api.example.com/graphql"}, GraphqlConfig),
    (
        IntegrationType.GRAPHQL,
        {
            "endpoint": "https://api.example.com/graphql",
            "auth": {"type": "bearer", "token": "gql-token-1"},
            "headers": {"X-Tenant": "acme"},
        },
        GraphqlConfig,
    ),
    (
        IntegrationType.WEBHOOK,
        {"url": "https://example.com/hooks/in", "events": ["ticket.created", "ticket.*", "*"]},
        WebhookConfig,
    ),
    # Receive-only (the seed's "receive events via webhooks"): no url, no events.
    (IntegrationType.WEBHOOK, {}, WebhookConfig),
    (IntegrationType.WEBHOOK, {"incomingEvents": ["order.paid"]}, WebhookConfig),
]


@pytest.mark.parametrize(("integration_type", "raw", "model"), GOOD_CONFIGS)
def test_good_configs_are_accepted(
    integration_type: IntegrationType, raw: dict[str, Any], model: type
) -> None:
    config = parse_config(integration_type, raw)

    assert isinstance(config, model)
    wire = to_wire(config)
    # What was given comes back as given (defaults may be added, nothing is renamed or dropped).
    for name, value in raw.items():
        if isinstance(value, dict):
            assert {key: wire[name][key] for key in value} == value
        else:
            assert wire[name] == value


def test_every_type_has_a_good_config_here() -> None:
    assert {integration_type for integration_type, _raw, _model in GOOD_CONFIGS} == set(IntegrationType)


# --- errors name config.<field> -------------------------------------------------------------------

REST = "https://api.example.com"

ERRORS: list[tuple[IntegrationType, Any, str]] = [
    (IntegrationType.SLACK, {}, "config.webhookUrl"),
    (IntegrationType.SLACK, {"channel": "#support"}, "config.webhookUrl"),
    (
        IntegrationType.SLACK,
        {"webhookUrl": "https://hooks.slack.com/services/T/B/X", "oauthId": "c1", "channel": "#x"},
        "config.webhookUrl",
    ),
    (IntegrationType.SLACK, {"oauthId": "conn-1"}, "config.channel"),
    (IntegrationType.SLACK, {"webhookUrl": "http://hooks.slack.com/services/T/B/X"}, "config.webhookUrl"),
    (IntegrationType.SLACK, {"oauthId": "bad/id", "channel": "#x"}, "config.oauthId"),
    (IntegrationType.ZAPIER, {}, "config.hookUrl"),
    (IntegrationType.ZAPIER, {"hookUrl": "ftp://hooks.zapier.com/x"}, "config.hookUrl"),
    (IntegrationType.ZAPIER, {"hookUrl": "not a url at all"}, "config.hookUrl"),
    (IntegrationType.ZAPIER, {"hookUrl": "https://hooks.zapier.com/x", "extra": 1}, "config.extra"),
    (IntegrationType.REST, {"baseUrl": REST, "auth": {"type": "bearer"}}, "config.auth.token"),
    (
        IntegrationType.REST,
        {"baseUrl": REST, "auth": {"type": "basic", "username": "u"}},
        "config.auth.password",
    ),
    (
        IntegrationType.REST,
        {"baseUrl": REST, "auth": {"type": "basic", "password": "p"}},
        "config.auth.username",
    ),
    (
        IntegrationType.REST,
        {"baseUrl": REST, "auth": {"type": "header", "headerName": "X-Key"}},
        "config.auth.headerValue",
    ),
    (
        IntegrationType.REST,
        {"baseUrl": REST, "auth": {"type": "header", "headerValue": "v"}},
        "config.auth.headerName",
    ),
    (IntegrationType.REST, {"baseUrl": REST, "auth": {"type": "oauth"}}, "config.auth.oauthId"),
    (IntegrationType.REST, {"baseUrl": REST, "auth": {"type": "kerberos"}}, "config.auth.type"),
    (
        IntegrationType.REST,
        {"baseUrl": REST, "healthCheck": {"expectStatus": 700}},
        "config.healthCheck.expectStatus",
    ),
    (
        IntegrationType.REST,
        {"baseUrl": REST, "healthCheck": {"expectStatus": 99}},
        "config.healthCheck.expectStatus",
    ),
    (IntegrationType.REST, {"baseUrl": REST, "healthCheck": {"path": "health"}}, "config.healthCheck.path"),
    (
        IntegrationType.REST,
        {"baseUrl": REST, "healthCheck": {"method": "DELETE"}},
        "config.healthCheck.method",
    ),
    (IntegrationType.REST, {}, "config.baseUrl"),
    (
        IntegrationType.GRAPHQL,
        {"endpoint": "https://api.example.com/graphql", "auth": {"type": "bearer"}},
        "config.auth.token",
    ),
    (IntegrationType.GRAPHQL, {"endpoint": "http://api.example.com/graphql"}, "config.endpoint"),
    (
        IntegrationType.WEBHOOK,
        {"url": "https://example.com/h", "events": ["Ticket Created"]},
        "config.events[0]",
    ),
    (
        IntegrationType.WEBHOOK,
        {"url": "https://example.com/h", "events": ["ticket.created", "BAD"]},
        "config.events[1]",
    ),
    (IntegrationType.WEBHOOK, {"url": "https://example.com/h", "events": []}, "config.events"),
    (IntegrationType.WEBHOOK, {"events": ["ticket.created"]}, "config.url"),
    (IntegrationType.WEBHOOK, ["not", "an", "object"], "config"),
    (IntegrationType.REST, None, "config"),
]


@pytest.mark.parametrize(("integration_type", "raw", "field"), ERRORS)
def test_errors_name_the_config_field(integration_type: IntegrationType, raw: Any, field: str) -> None:
    assert refusal(integration_type, raw).details["field"] == field


def test_slack_needs_exactly_one_of_webhook_url_or_connection() -> None:
    neither = refusal(IntegrationType.SLACK, {})
    both = refusal(
        IntegrationType.SLACK,
        {"webhookUrl": "https://hooks.slack.com/services/T/B/X", "oauthId": "conn-1", "channel": "#x"},
    )

    assert neither.details["field"] == both.details["field"] == "config.webhookUrl"
    assert "oauthId" in neither.details["reason"]
    assert isinstance(
        parse_config(IntegrationType.SLACK, {"oauthId": "conn-1", "channel": "#x"}), SlackConfig
    )


@pytest.mark.parametrize(
    ("auth", "field"),
    [
        ({"type": "bearer", "token": "t", "password": "p"}, "config.auth.password"),
        ({"type": "none", "token": "t"}, "config.auth.token"),
        (
            {"type": "basic", "username": "u", "password": "p", "headerName": "X-Key"},
            "config.auth.headerName",
        ),
        ({"type": "header", "headerName": "X-Key", "headerValue": "v", "token": "t"}, "config.auth.token"),
        ({"type": "oauth", "oauthId": "conn-1", "username": "u"}, "config.auth.username"),
        ({"type": "bearer", "token": "t", "oauthId": "conn-1"}, "config.auth.oauthId"),
    ],
)
@pytest.mark.parametrize("integration_type", [IntegrationType.REST, IntegrationType.GRAPHQL])
def test_an_auth_field_that_does_not_belong_to_the_auth_type_is_refused(
    integration_type: IntegrationType, auth: dict[str, str], field: str
) -> None:
    url_field = "baseUrl" if integration_type is IntegrationType.REST else "endpoint"
    refused = refusal(integration_type, {url_field: "https://api.example.com/x", "auth": auth})

    assert refused.details["field"] == field
    assert "does not belong" in refused.details["reason"]


# --- http URLs and user-info ----------------------------------------------------------------------

URL_FIELDS: dict[IntegrationType, tuple[str, Callable[[str], dict[str, Any]]]] = {
    IntegrationType.SLACK: ("config.webhookUrl", lambda url: {"webhookUrl": url}),
    IntegrationType.ZAPIER: ("config.hookUrl", lambda url: {"hookUrl": url}),
    IntegrationType.REST: ("config.baseUrl", lambda url: {"baseUrl": url}),
    IntegrationType.GRAPHQL: ("config.endpoint", lambda url: {"endpoint": url}),
    IntegrationType.WEBHOOK: ("config.url", lambda url: {"url": url, "events": ["*"]}),
}


@pytest.mark.parametrize(
    ("allow", "url", "accepted"),
    [
        (None, "http://localhost:8080/hook", False),
        ("false", "http://localhost:8080/hook", False),
        ("false", "http://127.0.0.1:8080/hook", False),
        ("true", "http://localhost:8080/hook", True),
        ("true", "http://127.0.0.1:8080/hook", True),
        ("1", "http://127.0.0.2:8080/hook", True),
        ("true", "http://[::1]:8080/hook", True),
        ("true", "http://api.example.com/hook", False),
        ("true", "http://10.0.0.5/hook", False),
        ("true", "http://192.168.1.10/hook", False),
        ("true", "http://localhost.example.com/hook", False),
        (None, "https://api.example.com/hook", True),
        ("true", "https://api.example.com/hook", True),
    ],
)
@pytest.mark.parametrize("integration_type", list(IntegrationType))
def test_http_is_only_for_loopback_hosts_where_private_networks_are_allowed(
    monkeypatch: pytest.MonkeyPatch,
    integration_type: IntegrationType,
    allow: str | None,
    url: str,
    accepted: bool,
) -> None:
    if allow is not None:
        allow_private_networks(monkeypatch, allow)
    field, build = URL_FIELDS[integration_type]

    if accepted:
        parse_config(integration_type, build(url))
    else:
        refused = refusal(integration_type, build(url))
        assert refused.details["field"] == field
        assert refused.details["reason"] == "must use https"


@pytest.mark.parametrize(
    "url",
    [
        "https://user:s3cr3t-pw@hooks.example.com/catch/1",
        "https://user@hooks.example.com/catch/1",
        "https://:s3cr3t-pw@hooks.example.com/catch/1",
    ],
)
@pytest.mark.parametrize("integration_type", list(IntegrationType))
def test_urls_with_user_info_are_refused(integration_type: IntegrationType, url: str) -> None:
    field, build = URL_FIELDS[integration_type]

    refused = refusal(integration_type, build(url))

    assert refused.details["field"] == field
    assert "s3cr3t-pw" not in refused.message


def test_user_info_is_refused_even_for_loopback_where_private_networks_are_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    allow_private_networks(monkeypatch, "true")

    refused = refusal(IntegrationType.ZAPIER, {"hookUrl": "http://user:pw@127.0.0.1:8080/hook"})

    assert refused.details["field"] == "config.hookUrl"


# --- secrets out and back -------------------------------------------------------------------------

TOKEN = "tok-5f1d2c3b4a596877"
PASSWORD = "pw-9a8b7c6d5e4f"
HEADER_VALUE = "hv-0123456789abcdef"
API_KEY_HEADER = "ak-fedcba9876543210"
SLACK_HOOK = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
ZAPIER_HOOK = "https://hooks.zapier.com/hooks/catch/123/s3cr3tpart/"

SECRET_CASES: list[tuple[IntegrationType, dict[str, Any], dict[str, str]]] = [
    (IntegrationType.SLACK, {"webhookUrl": SLACK_HOOK}, {"webhookUrl": SLACK_HOOK}),
    (IntegrationType.SLACK, {"oauthId": "conn-1", "channel": "#support"}, {}),
    (IntegrationType.ZAPIER, {"hookUrl": ZAPIER_HOOK}, {"hookUrl": ZAPIER_HOOK}),
    (
        IntegrationType.REST,
        {
            "baseUrl": "https://api.example.com/v2",
            "auth": {"type": "bearer", "token": TOKEN},
            "headers": {"X-Api-Key": API_KEY_HEADER, "X-Tenant": "tenant-acme-001"},
            "healthCheck": {"path": "/health"},
        },
        {"auth/token": TOKEN, "headers/X-Api-Key": API_KEY_HEADER, "headers/X-Tenant": "tenant-acme-001"},
    ),
    (
        IntegrationType.REST,
        {
            "baseUrl": "https://api.example.com",
            "auth": {"type": "basic", "username": "api-user", "password": PASSWORD},
        },
        {"auth/password": PASSWORD},
    ),
    (
        IntegrationType.GRAPHQL,
        {
            "endpoint": "https://api.example.com/graphql",
            "auth": {"type": "header", "headerName": "X-Key", "headerValue": HEADER_VALUE},
        },
        {"auth/headerValue": HEADER_VALUE},
    ),
    (IntegrationType.WEBHOOK, {"url": "https://example.com/hooks/in", "events": ["ticket.*"]}, {}),
]


@pytest.mark.parametrize(("integration_type", "raw", "expected_secrets"), SECRET_CASES)
def test_split_then_join_round_trips_and_masks_every_secret(
    integration_type: IntegrationType, raw: dict[str, Any], expected_secrets: dict[str, str]
) -> None:
    config = to_wire(parse_config(integration_type, raw))

    public, secrets = split_secrets(integration_type, config)

    assert secrets == expected_secrets
    stored = json.dumps(public)
    for secret in secrets.values():
        assert secret not in stored
    assert join_secrets(public, secrets) == config


def test_split_secrets_leaves_its_input_alone() -> None:
    config = {"baseUrl": "https://api.example.com", "auth": {"type": "bearer", "token": TOKEN}}

    split_secrets(IntegrationType.REST, config)

    assert config["auth"]["token"] == TOKEN


def test_masks_show_a_url_s_host_and_at_most_a_token_s_last_four() -> None:
    config = {"webhookUrl": SLACK_HOOK}
    public, _ = split_secrets(IntegrationType.SLACK, config)
    rest_public, _ = split_secrets(
        IntegrationType.REST,
        {"baseUrl": "https://api.example.com", "auth": {"type": "bearer", "token": TOKEN}},
    )

    assert public["webhookUrl"] == f"https://hooks.slack.com/…{SLACK_HOOK[-4:]}"
    assert rest_public["auth"]["token"] == f"…{TOKEN[-4:]}"


def test_a_short_password_shows_nothing_of_itself() -> None:
    public, _ = split_secrets(
        IntegrationType.REST,
        {
            "baseUrl": "https://api.example.com",
            "auth": {"type": "basic", "username": "u", "password": "hunter2!x"},
        },
    )

    assert public["auth"]["password"] == "…"


@pytest.mark.parametrize("length", [1, 3, 4, 8, 9, 12, 40])
def test_a_masked_header_value_never_contains_the_value(length: int) -> None:
    value = "".join(chr(ord("a") + index % 26) for index in range(length))
    config = {"baseUrl": "https://api.example.com", "headers": {"X-Api-Key": value}}

    public, secrets = split_secrets(IntegrationType.REST, config)

    assert secrets == {"headers/X-Api-Key": value}
    assert value not in public["headers"]["X-Api-Key"]


def test_header_names_with_a_dot_round_trip() -> None:
    # A dot is a legal header-name character (and the model accepts it); secret paths are dotted.
    raw = {"baseUrl": "https://api.example.com", "headers": {"X-Client.Id": "client-id-secret-77"}}
    config = to_wire(parse_config(IntegrationType.REST, raw))

    public, secrets = split_secrets(IntegrationType.REST, config)

    assert "client-id-secret-77" not in json.dumps(public)
    assert join_secrets(public, secrets) == config


def test_join_secrets_puts_back_config_paths_only() -> None:
    public = {"url": "https://example.com/hooks/in", "events": ["*"]}
    secrets = {"_signingSecret": "whsec_abc", "_previousSigningSecret": "whsec_old"}

    assert join_secrets(public, secrets) == public


# --- merge ----------------------------------------------------------------------------------------


def test_merge_merges_nested_objects_and_null_removes_keys() -> None:
    current = {
        "baseUrl": "https://api.example.com",
        "auth": {"type": "bearer", "token": "tok…1234"},
        "headers": {"X-A": "1", "X-B": "2"},
        "healthCheck": {"method": "GET", "path": "/", "expectStatus": 200},
    }
    change = {
        "headers": {"X-A": None, "X-C": "3"},
        "healthCheck": {"path": "/status"},
        "baseUrl": "https://api2.example.com",
    }

    merged = merge(current, change)

    assert merged == {
        "baseUrl": "https://api2.example.com",
        "auth": {"type": "bearer", "token": "tok…1234"},
        "headers": {"X-B": "2", "X-C": "3"},
        "healthCheck": {"method": "GET", "path": "/status", "expectStatus": 200},
    }


def test_merge_null_removes_a_whole_object_and_ignores_missing_keys() -> None:
    current = {"baseUrl": "https://api.example.com", "headers": {"X-A": "1"}}

    assert merge(current, {"headers": None, "notThere": None}) == {"baseUrl": "https://api.example.com"}


def test_merge_replaces_lists_and_non_objects_whole_and_copies() -> None:
    current = {"url": "https://example.com/h", "events": ["ticket.created", "ticket.updated"], "auth": "x"}
    change = {"events": ["*"], "auth": {"type": "none"}}

    merged = merge(current, change)
    change["auth"]["type"] = "changed later"

    assert merged == {"url": "https://example.com/h", "events": ["*"], "auth": {"type": "none"}}
    assert current["events"] == ["ticket.created", "ticket.updated"]
    assert current["auth"] == "x"


def test_merge_leaves_current_alone() -> None:
    current = {"headers": {"X-A": "1"}}

    merge(current, {"headers": {"X-A": None}})

    assert current == {"headers": {"X-A": "1"}}
