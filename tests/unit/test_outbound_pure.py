"""The outbound client's pure parts: the address policy, scrubbing, Retry-After, backoff and URL checks.

No servers and no Firestore: addresses are judged as text, and resolvers are fakes answering from a table.
"""

from __future__ import annotations

import dataclasses
import email.utils
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from shared import errors
from shared.models.request_logs import RequestLogDoc
from shared.outbound import (
    BlockedDestination,
    OutboundClient,
    address_refusal,
    backoff_seconds,
    redact,
    retry_after_seconds,
    sanitize_endpoint,
)
from shared.settings import get_settings

LOOPBACK = "a loopback address"
PRIVATE = "a private or reserved address"
LINK_LOCAL = "a link-local address"
MULTICAST = "a multicast address"
UNSPECIFIED = "an unspecified address"
METADATA = "a cloud metadata address"


# --- address_refusal ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", LOOPBACK),
        ("127.255.255.254", LOOPBACK),
        ("::1", LOOPBACK),
        ("10.0.0.1", PRIVATE),
        ("10.255.255.255", PRIVATE),
        ("172.16.0.1", PRIVATE),
        ("172.31.255.254", PRIVATE),
        ("192.168.0.1", PRIVATE),
        ("192.168.255.254", PRIVATE),
        ("fc00::1", PRIVATE),
        ("fd12:3456:789a::1", PRIVATE),
        ("169.254.0.1", LINK_LOCAL),
        ("169.254.255.254", LINK_LOCAL),
        ("fe80::1", LINK_LOCAL),
        ("febf::1", LINK_LOCAL),
        ("fe80::1%eth0", LINK_LOCAL),
        ("224.0.0.1", MULTICAST),
        ("239.255.255.250", MULTICAST),
        ("ff02::1", MULTICAST),
        ("0.0.0.0", UNSPECIFIED),
        ("::", UNSPECIFIED),
        ("240.0.0.1", PRIVATE),
        ("255.255.255.255", PRIVATE),
        ("100.64.0.1", PRIVATE),
        ("192.0.2.10", PRIVATE),
        ("2001:db8::1", PRIVATE),
        ("::ffff:127.0.0.1", LOOPBACK),
        ("::ffff:10.0.0.1", PRIVATE),
        ("::ffff:169.254.1.1", LINK_LOCAL),
        # IPv6 that carries IPv4: judged by the embedded address (a relay delivers it there).
        ("2002:7f00:1::", LOOPBACK),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", PRIVATE),  # 6to4 of 10.0.0.1
        ("2002:c0a8:101::", PRIVATE),  # 6to4 of 192.168.1.1
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", PRIVATE),  # Teredo, client 10.0.0.1 (obfuscated)
        ("64:ff9b::7f00:1", LOOPBACK),  # NAT64 of 127.0.0.1
        ("64:ff9b::a00:1", PRIVATE),  # NAT64 of 10.0.0.1
        ("64:ff9b:1::a00:1", PRIVATE),  # local-use NAT64 of 10.0.0.1
        ("::7f00:1", LOOPBACK),  # IPv4-compatible 127.0.0.1
        ("192.0.0.8", PRIVATE),  # IANA special purpose, which Python calls global in part
    ],
)
def test_non_public_addresses_are_refused_with_their_reason(address: str, reason: str) -> None:
    assert address_refusal(address, allow_private_networks=False) == reason


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "10.0.0.1", "192.168.1.1", "fd00::2", "::ffff:127.0.0.1", "fe80::1"]
)
def test_allowing_private_networks_lets_loopback_and_private_addresses_through(address: str) -> None:
    assert address_refusal(address, allow_private_networks=True) is None


@pytest.mark.parametrize("allow_private_networks", [False, True])
@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "fd00:ec2::254",
        "169.254.170.2",
        "::ffff:169.254.169.254",
        "fd20:ce::254",  # Google Cloud's IPv6 metadata
        "192.0.0.192",  # Oracle Cloud
        "100.100.100.200",  # Alibaba Cloud
        "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2001:0:4136:e378:8000:63bf:5601:5601",  # Teredo, client 169.254.169.254 (obfuscated)
    ],
)
def test_cloud_metadata_addresses_are_refused_even_when_private_networks_are_allowed(
    address: str, allow_private_networks: bool
) -> None:
    assert address_refusal(address, allow_private_networks) == METADATA


@pytest.mark.parametrize("allow_private_networks", [False, True])
@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.216.34", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"],
)
def test_public_addresses_are_allowed(address: str, allow_private_networks: bool) -> None:
    assert address_refusal(address, allow_private_networks) is None


# --- sanitize_endpoint ----------------------------------------------------------------------------


def test_user_info_is_removed_from_the_endpoint() -> None:
    endpoint = sanitize_endpoint("https://alice:hunter2-pass@api.example.com:8443/v1/items?page=2")

    assert endpoint == "https://api.example.com:8443/v1/items?page=2"
    assert "alice" not in endpoint
    assert "hunter2-pass" not in endpoint


@pytest.mark.parametrize(
    "name",
    ["token", "access_token", "api_key", "key", "signature", "client_secret", "code", "Token", "API_KEY"],
)
def test_secret_query_parameters_are_replaced(name: str) -> None:
    endpoint = sanitize_endpoint(f"https://api.example.com/v1/items?{name}=s3cr3t-value-42&page=2")

    query = parse_qs(urlsplit(endpoint).query)
    assert query[name] == ["***"]
    assert query["page"] == ["2"]
    assert "s3cr3t-value-42" not in endpoint
    assert endpoint.startswith("https://api.example.com/v1/items?")


def test_harmless_query_parameters_are_kept() -> None:
    endpoint = sanitize_endpoint("https://api.example.com/search?page=3&sort=name&q=blue+shoes")

    assert parse_qs(urlsplit(endpoint).query) == {"page": ["3"], "sort": ["name"], "q": ["blue shoes"]}
    assert urlsplit(endpoint).path == "/search"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX", "https://hooks.slack.com/***"),
        ("https://hooks.example.com:8443/catch/123/abcdef/", "https://hooks.example.com:8443/***"),
    ],
)
def test_a_url_given_as_a_secret_keeps_only_scheme_host_and_port(url: str, expected: str) -> None:
    assert sanitize_endpoint(url, [url]) == expected


def test_a_secret_url_with_a_query_keeps_only_scheme_and_host() -> None:
    # Logic Apps / Power Automate style hooks: the whole URL is the credential, query included.
    url = "https://prod-00.logic.example.com/workflows/abc123/invoke?api-version=2016-06-01&sp=run-xyz9"

    assert sanitize_endpoint(url, [url]) == "https://prod-00.logic.example.com/***"


def test_a_secret_inside_the_path_hides_the_path() -> None:
    endpoint = sanitize_endpoint(
        "https://hooks.example.com/catch/part-of-a-secret-hook/run", ["part-of-a-secret-hook"]
    )

    assert endpoint == "https://hooks.example.com/***"


def test_a_secret_escaped_into_the_path_hides_the_path() -> None:
    # HubSpot's revocation: DELETE .../refresh_tokens/{refresh token, percent-encoded}.
    secret = "refresh/token+with=reserved"
    url = f"https://api.hubapi.com/oauth/v1/refresh_tokens/{quote(secret, safe='')}"

    endpoint = sanitize_endpoint(url, [secret])

    assert endpoint == "https://api.hubapi.com/***"


def test_a_secret_with_url_reserved_characters_is_removed_from_any_query_parameter() -> None:
    # Base64 tokens carry "/", "+" and "="; the endpoint must not keep them, encoded or not.
    secret = "Zm9vL2Jhcg/YmF6+cXV4=="
    endpoint = sanitize_endpoint(f"https://api.example.com/callback?state={quote(secret, safe='')}", [secret])

    assert secret not in endpoint
    assert secret not in unquote(endpoint)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[::1]:8080/hook?page=1", "http://[::1]:8080/hook?page=1"),
        ("https://[2606:4700:4700::1111]/v1/items", "https://[2606:4700:4700::1111]/v1/items"),
        ("https://user:pw@[fd00::2]:9000/x", "https://[fd00::2]:9000/x"),
    ],
)
def test_ipv6_hosts_stay_bracketed(url: str, expected: str) -> None:
    assert sanitize_endpoint(url) == expected


# --- redact ---------------------------------------------------------------------------------------


def test_redact_replaces_the_longest_secret_first() -> None:
    # Shortest first would leave "efgh" of the longer secret visible.
    assert redact("x abcdefgh y abcd z", ["abcd", "abcdefgh"]) == "x *** y *** z"


def test_redact_ignores_secrets_shorter_than_four_characters() -> None:
    text = "a ab abc abcd"

    assert redact(text, ["", "a", "ab", "abc"]) == text
    assert redact(text, ["abcd"]) == "a ab abc ***"


# --- retry_after_seconds --------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "seconds"), [("2", 2.0), ("0", 0.0), (" 120 ", 120.0), ("3600", 3600.0)])
def test_retry_after_in_delta_seconds(value: str, seconds: float) -> None:
    assert retry_after_seconds(value) == seconds


def test_retry_after_as_an_http_date() -> None:
    moment = datetime(2030, 1, 15, 12, 0, 0, tzinfo=UTC)
    header = email.utils.format_datetime(moment, usegmt=True)

    assert retry_after_seconds(header, now=moment.timestamp() - 30) == pytest.approx(30.0)
    assert retry_after_seconds(header, now=moment.timestamp() + 30) == 0.0


def test_retry_after_in_the_past_is_zero() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    past = datetime.now(UTC) - timedelta(hours=1)
    assert retry_after_seconds(email.utils.format_datetime(past, usegmt=True)) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "Mon, 99 Foo 2020 99:99:99 GMT", "2 s"])
def test_retry_after_garbage_is_none(value: str | None) -> None:
    assert retry_after_seconds(value) is None


def test_retry_after_with_non_ascii_digits_is_none() -> None:
    # Headers are decoded as latin-1, so a byte 0xB2 arrives as "²": str.isdigit() says yes, float() no.
    assert retry_after_seconds("\u00b2") is None


# --- backoff_seconds ------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(10))
def test_backoff_is_full_jitter_under_a_growing_capped_ceiling(attempt: int) -> None:
    ceiling = min(8.0, 0.5 * 2**attempt)
    rng = random.Random(attempt)
    replay = random.Random(attempt)

    samples = [backoff_seconds(attempt, rng) for _ in range(200)]

    assert all(0.0 <= sample <= ceiling for sample in samples)
    assert samples == [replay.uniform(0, ceiling) for _ in range(200)]
    # Full jitter spreads over the whole range, not just near the ceiling.
    assert min(samples) < ceiling * 0.1
    assert max(samples) > ceiling * 0.9


def test_backoff_never_exceeds_the_cap() -> None:
    rng = random.Random(7)

    assert max(backoff_seconds(attempt, rng) for attempt in range(50) for _ in range(20)) <= 8.0


# --- OutboundClient.check_url with a fake resolver ------------------------------------------------


class FakeResolver:
    """Answers addresses from a table and remembers what it was asked."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        return self.table[host]


def client_with(resolver: FakeResolver, allow_private_networks: bool) -> OutboundClient:
    settings = dataclasses.replace(get_settings(), allow_private_networks=allow_private_networks)
    records: list[RequestLogDoc] = []
    return OutboundClient(
        settings, resolver=resolver, sleep=lambda _seconds: None, audit_writer=records.append
    )


def test_plain_http_is_refused_when_private_networks_are_not_allowed() -> None:
    resolver = FakeResolver({"api.example.com": ["93.184.216.34"]})

    with pytest.raises(BlockedDestination) as refused:
        client_with(resolver, allow_private_networks=False).check_url("http://api.example.com/v1")

    assert refused.value.code == errors.ErrorCode.FAILED_PRECONDITION
    assert refused.value.kind == "blocked"
    assert "https" in refused.value.message
    assert resolver.calls == []


@pytest.mark.parametrize(
    "scheme_url", ["ftp://api.example.com/file", "file:///etc/passwd", "https:///no-host"]
)
def test_only_http_and_https_urls_with_a_host_are_accepted(scheme_url: str) -> None:
    resolver = FakeResolver({"api.example.com": ["93.184.216.34"]})

    with pytest.raises(BlockedDestination):
        client_with(resolver, allow_private_networks=True).check_url(scheme_url)
    assert resolver.calls == []


@pytest.mark.parametrize("private", ["10.1.2.3", "127.0.0.1", "::ffff:192.168.0.9", "fe80::1"])
def test_a_host_with_any_private_address_among_several_is_refused(private: str) -> None:
    resolver = FakeResolver({"mixed.example.com": ["93.184.216.34", "2606:4700:4700::1111", private]})

    with pytest.raises(BlockedDestination) as refused:
        client_with(resolver, allow_private_networks=False).check_url("https://mixed.example.com/hook")

    assert refused.value.message.startswith("mixed.example.com resolves to ")
    assert resolver.calls == [("mixed.example.com", 443)]


def test_a_host_resolving_to_public_addresses_passes() -> None:
    resolver = FakeResolver({"api.example.com": ["93.184.216.34", "2606:4700:4700::1111"]})
    client = client_with(resolver, allow_private_networks=False)

    client.check_url("https://api.example.com/v1/items")
    client.check_url("https://api.example.com:8443/v1/items")

    assert resolver.calls == [("api.example.com", 443), ("api.example.com", 8443)]


def test_the_metadata_address_is_refused_by_check_url_even_when_private_networks_are_allowed() -> None:
    resolver = FakeResolver({"metadata.internal": ["169.254.169.254"], "intranet": ["10.0.0.7"]})
    client = client_with(resolver, allow_private_networks=True)

    client.check_url("http://intranet/status")
    with pytest.raises(BlockedDestination, match="cloud metadata"):
        client.check_url("http://metadata.internal/computeMetadata/v1/")
