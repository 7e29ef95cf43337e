"""The outbound client against real HTTP servers on loopback: retries, limits, redirects, the SSRF guard
and the audit record.

Most tests need no Firestore: the client is built with explicit settings, a `sleep` that records the
waits instead of sleeping, and an `audit_writer` that keeps the records in a list. They live in this tier
because they open real sockets. The last tests use the real audit writer on the Firestore emulator: one
record written, and records the emulator refuses (the request's outcome must survive that).
"""

from __future__ import annotations

import dataclasses
import io
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from google.cloud import firestore

from shared import errors
from shared.models.request_logs import RequestLogDoc
from shared.outbound import (
    AddressPolicy,
    AuditTarget,
    BlockedDestination,
    OutboundClient,
    OutboundError,
    OutboundRequest,
    Resolver,
    system_resolver,
)
from shared.settings import Settings, get_settings
from tests.integration.conftest import all_documents
from tests.support.firestore_emulator import free_port
from tests.support.http_servers import LoopbackServer, Received, Reply, serving

AUDIT = AuditTarget("team-a", "integration-1", "user-1")


def settings(**changes: Any) -> Settings:
    """Settings for one test: private networks allowed (the servers are on loopback), short timeouts."""
    fast: dict[str, Any] = {
        "allow_private_networks": True,
        "outbound_connect_timeout_seconds": 1.0,
        "outbound_read_timeout_seconds": 1.0,
        "outbound_max_retries": 3,
        "outbound_retry_budget_seconds": 30.0,
        "outbound_max_response_bytes": 1_000_000,
    }
    return dataclasses.replace(get_settings(), **{**fast, **changes})


@dataclass
class Rig:
    """A client whose waits and audit records the test can read."""

    client: OutboundClient
    waits: list[float] = field(default_factory=list)
    records: list[RequestLogDoc] = field(default_factory=list)

    def send(self, request: OutboundRequest) -> Any:
        return self.client.send(request, AUDIT)


def rig(
    resolver: Resolver = system_resolver, address_policy: AddressPolicy | None = None, **changes: Any
) -> Rig:
    waits: list[float] = []
    records: list[RequestLogDoc] = []
    client = OutboundClient(
        settings(**changes),
        resolver=resolver,
        sleep=waits.append,
        audit_writer=records.append,
        address_policy=address_policy,
    )
    return Rig(client, waits, records)


def get(url: str, **options: Any) -> OutboundRequest:
    return OutboundRequest("GET", url, **options)


def backoff_ceiling(retry_index: int) -> float:
    return min(8.0, 0.5 * 2**retry_index)


class FakeResolver:
    """Answers addresses from a table (as a DNS server under someone else's control would)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        return self.table[host]


def only_127_0_0_1(address: str) -> str | None:
    return None if address == "127.0.0.1" else "not on this test's allow list"


@contextmanager
def bare_listener(host: str = "127.0.0.1") -> Iterator[socket.socket]:
    """A listening socket nobody serves: the test asks it whether any TCP connection arrived."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, 0), family=family)
    try:
        yield listener
    finally:
        listener.close()


def connection_arrived(listener: socket.socket) -> bool:
    listener.settimeout(0.2)
    try:
        connection, _ = listener.accept()
    except TimeoutError:
        return False
    connection.close()
    return True


@dataclass
class StreamStats:
    requests: int = 0
    bytes_sent: int = 0
    finished: bool = False


@contextmanager
def streaming_server(chunked: bool, total_bytes: int = 64 * 1024 * 1024) -> Iterator[tuple[str, StreamStats]]:
    """A raw HTTP/1.1 server answering one request with a long body and no Content-Length: chunked, or
    delimited by closing the connection. It stops early when the client hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]
    stats = StreamStats()

    def serve() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                data = connection.recv(4096)
                if not data:
                    return
                head += data
            stats.requests += 1
            framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Connection: close\r\n"
            piece = b"y" * 16384
            frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            try:
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" + framing + b"\r\n"
                )
                while stats.bytes_sent < total_bytes:
                    connection.sendall(frame)
                    stats.bytes_sent += len(piece)
                if chunked:
                    connection.sendall(b"0\r\n\r\n")
                stats.finished = True
            except OSError:
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", stats
    finally:
        thread.join(10)
        listener.close()


# ------------------------------------------------------------------ answers, retries, limits


def test_a_success_answers_status_body_and_writes_one_audit_record() -> None:
    test = rig()
    with serving(lambda _r: Reply(200, b'{"ok": true}', {"Content-Type": "application/json"})) as server:
        response = test.send(OutboundRequest("POST", f"{server.url}/v1/items?page=2", json={"name": "x"}))

    assert (response.status_code, response.ok, response.json()) == (200, True, {"ok": True})
    assert response.headers["Content-Type"] == "application/json"
    assert response.attempts == 1
    assert response.duration_ms >= 0
    assert response.url == f"{server.url}/v1/items?page=2"
    assert [(r.method, r.path, r.json()) for r in server.received] == [
        ("POST", "/v1/items?page=2", {"name": "x"})
    ]
    assert test.waits == []
    [record] = test.records
    assert (record.team_id, record.integration_id, record.user_id) == ("team-a", "integration-1", "user-1")
    assert (record.method, record.endpoint) == ("POST", f"{server.url}/v1/items?page=2")
    assert (record.status_code, record.success, record.error) == (200, True, None)
    assert record.duration == response.duration_ms
    assert record.expire_at - record.timestamp == timedelta(days=get_settings().audit_retention_days)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_a_4xx_is_answered_without_retries(status: int) -> None:
    test = rig()
    with serving(lambda _r: Reply(status, b"no")) as server:
        response = test.send(get(f"{server.url}/hook"))

    assert (response.status_code, response.attempts, response.body) == (status, 1, b"no")
    assert len(server.received) == 1
    assert test.waits == []
    [record] = test.records
    assert (record.status_code, record.success, record.error) == (status, False, f"HTTP {status}")


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_statuses_are_retried_up_to_the_limit_then_the_last_answer_is_returned(status: int) -> None:
    test = rig(outbound_max_retries=3)
    with serving(lambda _r: Reply(status, b"busy")) as server:
        response = test.send(get(f"{server.url}/hook"))

    assert (response.status_code, response.body, response.attempts) == (status, b"busy", 4)
    assert len(server.received) == 4
    assert len(test.waits) == 3
    for retry_index, wait in enumerate(test.waits):
        assert 0.0 <= wait <= backoff_ceiling(retry_index)
    [record] = test.records
    assert (record.status_code, record.success, record.error) == (status, False, f"HTTP {status}")


def test_a_retry_that_succeeds_is_a_success() -> None:
    replies = iter([Reply(503, b"busy"), Reply(502, b"bad gateway"), Reply(200, b"ok")])
    test = rig()
    with serving(lambda _r: next(replies)) as server:
        response = test.send(get(f"{server.url}/hook"))

    assert (response.status_code, response.body, response.attempts) == (200, b"ok", 3)
    assert len(server.received) == 3
    assert len(test.waits) == 2
    [record] = test.records
    assert (record.status_code, record.success, record.error) == (200, True, None)


def test_retry_after_is_honoured() -> None:
    test = rig(outbound_max_retries=1)
    with serving(lambda _r: Reply(429, b"slow down", {"Retry-After": "2"})) as server:
        response = test.send(get(f"{server.url}/hook"))

    assert (response.status_code, response.attempts) == (429, 2)
    assert len(server.received) == 2
    assert len(test.waits) == 1
    assert test.waits[0] >= 2


def test_a_retry_after_beyond_the_budget_stops_retrying() -> None:
    test = rig(outbound_max_retries=3, outbound_retry_budget_seconds=5.0)
    with serving(lambda _r: Reply(503, b"maintenance", {"Retry-After": "60"})) as server:
        response = test.send(get(f"{server.url}/hook"))

    assert (response.status_code, response.attempts) == (503, 1)
    assert len(server.received) == 1
    assert test.waits == []
    assert test.records[0].error == "HTTP 503"


def test_a_garbled_retry_after_is_ignored() -> None:
    # The handler writes headers as latin-1: "²" goes out as the byte 0xB2 and comes back as "²".
    test = rig(outbound_max_retries=1)
    with serving(lambda _r: Reply(503, b"busy", {"Retry-After": "\u00b2"})) as server:
        response = test.send(get(f"{server.url}/hook"))

    assert (response.status_code, response.attempts) == (503, 2)
    assert len(test.records) == 1


def test_connection_refused_is_a_connection_error_and_is_retried() -> None:
    port = free_port()  # bound, then closed: nothing listens there
    test = rig(outbound_max_retries=2)

    with pytest.raises(OutboundError) as failed:
        test.send(get(f"http://127.0.0.1:{port}/hook"))

    assert failed.value.kind == "connection"
    assert failed.value.code == errors.ErrorCode.UNAVAILABLE
    assert len(test.waits) == 2
    [record] = test.records
    assert (record.status_code, record.success) == (None, False)
    assert record.error == "the service could not be reached"


def test_a_slow_answer_is_a_timeout() -> None:
    answer_allowed = threading.Event()

    def late(_request: Received) -> Reply:
        # The server answers only once the test lets it, after the client gave up: an order, not a time.
        answer_allowed.wait(30)
        return Reply(200, b"late")

    test = rig(outbound_read_timeout_seconds=0.2, outbound_max_retries=1)
    with serving(late) as server:
        try:
            with pytest.raises(OutboundError) as failed:
                test.send(get(f"{server.url}/slow"))
        finally:
            answer_allowed.set()

    assert failed.value.kind == "timeout"
    assert len(server.received) == 2  # timeouts are retried
    assert len(test.waits) == 1
    [record] = test.records
    assert (record.status_code, record.success, record.error) == (
        None,
        False,
        "the service did not answer in time",
    )


def test_an_oversized_response_by_content_length_is_refused() -> None:
    test = rig(outbound_max_response_bytes=1000)
    with (
        serving(lambda _r: Reply(200, b"x" * 5000)) as server,
        pytest.raises(OutboundError) as failed,
    ):
        test.send(get(f"{server.url}/big"))

    assert failed.value.kind == "too_large"
    assert failed.value.message == "the response is larger than 1000 bytes"
    assert len(server.received) == 1  # not retried
    assert test.waits == []
    assert test.records[0].success is False


def test_a_response_exactly_at_the_limit_is_accepted() -> None:
    test = rig(outbound_max_response_bytes=1000)
    with serving(lambda _r: Reply(200, b"x" * 1000)) as server:
        response = test.send(get(f"{server.url}/exact"))

    assert len(response.body) == 1000


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "until-close"])
def test_a_streamed_oversized_response_without_content_length_is_cut_off(chunked: bool) -> None:
    test = rig(outbound_max_response_bytes=1000)
    with (
        streaming_server(chunked) as (url, stats),
        pytest.raises(OutboundError) as failed,
    ):
        test.send(get(f"{url}/stream"))

    assert failed.value.kind == "too_large"
    assert stats.requests == 1
    # The client hung up long before the server could send its 64 MiB.
    assert not stats.finished
    assert stats.bytes_sent < 64 * 1024 * 1024
    assert test.records[0].error == "the response is larger than 1000 bytes"


def test_retry_false_sends_once() -> None:
    test = rig(outbound_max_retries=3)
    with serving(lambda _r: Reply(503, b"busy")) as server:
        response = test.send(OutboundRequest("POST", f"{server.url}/create", json={"n": 1}, retry=False))

    assert (response.status_code, response.attempts) == (503, 1)
    assert len(server.received) == 1
    assert test.waits == []


def test_retry_false_sends_once_on_a_connection_error() -> None:
    test = rig(outbound_max_retries=3)

    with pytest.raises(OutboundError, match="could not be reached"):
        test.send(OutboundRequest("POST", f"http://127.0.0.1:{free_port()}/create", retry=False))

    assert test.waits == []


def test_a_host_that_does_not_resolve_is_a_dns_error_with_one_audit_record() -> None:
    lookups: list[tuple[str, int]] = []

    def real_dns(host: str, port: int) -> list[str]:
        lookups.append((host, port))
        return system_resolver(host, port)

    test = rig(resolver=real_dns, outbound_max_retries=3)

    # `.invalid` never resolves (RFC 6761): a real lookup, answered at once with "no such name".
    with pytest.raises(OutboundError) as failed:
        test.send(get("https://no-such-host.invalid/hook"))

    assert failed.value.kind == "dns"
    assert failed.value.code == errors.ErrorCode.UNAVAILABLE
    assert failed.value.message == "the host no-such-host.invalid could not be resolved"
    assert lookups == [("no-such-host.invalid", 443)]  # a name that does not exist is not retried
    assert test.waits == []
    [record] = test.records
    assert (record.endpoint, record.status_code, record.success) == (
        "https://no-such-host.invalid/hook",
        None,
        False,
    )
    assert record.error == "the host no-such-host.invalid could not be resolved"


# ------------------------------------------------------------------ redirects


def test_a_redirect_on_the_same_server_is_followed() -> None:
    def site(request: Received) -> Reply:
        if request.path == "/start":
            return Reply(302, b"", {"Location": "/final?step=2"})
        return Reply(200, b"done")

    test = rig()
    with serving(site) as server:
        response = test.send(get(f"{server.url}/start"))

    assert (response.status_code, response.body) == (200, b"done")
    assert response.url == f"{server.url}/final?step=2"
    assert response.attempts == 1
    assert [r.path for r in server.received] == ["/start", "/final?step=2"]
    [record] = test.records
    assert record.endpoint == f"{server.url}/start"


def test_a_redirect_that_turns_a_post_into_a_get_drops_the_body() -> None:
    def site(request: Received) -> Reply:
        return Reply(303, b"", {"Location": "/result"}) if request.path == "/submit" else Reply(200, b"ok")

    test = rig()
    with serving(site) as server:
        test.send(OutboundRequest("POST", f"{server.url}/submit", json={"name": "x"}))

    follow_up = server.received[1]
    assert (follow_up.method, follow_up.path) == ("GET", "/result")
    assert follow_up.body == b""


def test_a_redirect_loop_stops_after_five_hops() -> None:
    test = rig()
    with (
        serving(lambda _r: Reply(302, b"", {"Location": "/again"})) as server,
        pytest.raises(OutboundError) as failed,
    ):
        test.send(get(f"{server.url}/again"))

    assert failed.value.kind == "redirects"
    assert len(server.received) == 6  # the request and 5 hops
    assert test.waits == []  # not retried
    assert test.records[0].error == "more than 5 redirects"


def test_follow_redirects_false_answers_the_redirect() -> None:
    test = rig()
    with serving(lambda _r: Reply(302, b"", {"Location": "/elsewhere"})) as server:
        response = test.send(get(f"{server.url}/hook", follow_redirects=False))

    assert response.status_code == 302
    assert response.headers["Location"] == "/elsewhere"
    assert [r.path for r in server.received] == ["/hook"]


def test_a_redirect_to_another_host_does_not_carry_the_authorization_header() -> None:
    other = LoopbackServer(host="127.0.0.2").start()
    try:
        test = rig()
        with serving(lambda _r: Reply(302, b"", {"Location": f"{other.url}/landing"})) as server:
            response = test.send(
                get(f"{server.url}/start", headers={"Authorization": "Bearer api-token-for-server-a"})
            )
    finally:
        other.stop()

    assert response.status_code == 200
    assert server.received[0].headers["authorization"] == "Bearer api-token-for-server-a"
    [landed] = other.received
    assert "authorization" not in landed.headers


def test_a_redirect_to_another_origin_drops_every_header_that_carries_a_secret() -> None:
    api_key = "api-key-secret-0123456789"
    signed = "sig-secret-9876543210"
    headers = {"X-Api-Key": api_key, "X-Signature": f"t=1,v1={signed}", "X-Tenant": "acme"}

    def site(request: Received) -> Reply:
        # /start -> /again on the same origin, then to the other server (another port: another origin).
        if request.path == "/start":
            return Reply(302, b"", {"Location": "/again"})
        return Reply(307, b"", {"Location": f"{other.url}/landing"})

    other = LoopbackServer().start()
    try:
        test = rig()
        with serving(site) as server:
            response = test.send(get(f"{server.url}/start", headers=headers, secrets=[api_key, signed]))
    finally:
        other.stop()

    assert response.status_code == 200
    # The same origin gets them on every hop; another origin gets only what carries no secret.
    assert [(r.path, r.headers["x-api-key"], r.headers["x-signature"]) for r in server.received] == [
        ("/start", api_key, f"t=1,v1={signed}"),
        ("/again", api_key, f"t=1,v1={signed}"),
    ]
    [landed] = other.received
    assert "x-api-key" not in landed.headers
    assert "x-signature" not in landed.headers
    assert landed.headers["x-tenant"] == "acme"


# ------------------------------------------------------------------ the SSRF guard


def test_localhost_is_refused_before_connecting_when_the_guard_is_on() -> None:
    test = rig(allow_private_networks=False)
    with bare_listener() as listener:
        port = listener.getsockname()[1]
        with pytest.raises(BlockedDestination) as refused:
            test.send(get(f"https://localhost:{port}/"))
        arrived = connection_arrived(listener)

    assert refused.value.code == errors.ErrorCode.FAILED_PRECONDITION
    assert refused.value.kind == "blocked"
    assert refused.value.message == "localhost resolves to a loopback address"
    assert not arrived
    [record] = test.records
    assert (record.status_code, record.success) == (None, False)
    assert record.error == "localhost resolves to a loopback address"


def test_localhost_is_refused_through_a_real_http_server_too() -> None:
    test = rig(allow_private_networks=False)
    with (
        serving() as server,
        pytest.raises(BlockedDestination),
    ):
        test.send(get(f"https://localhost:{server.port}/"))

    assert server.received == []


def test_dns_rebinding_is_caught_by_the_peer_check() -> None:
    # The pre-check is told "localhost" is public; the socket then really connects to 127.0.0.1.
    resolver = FakeResolver({"localhost": ["93.184.216.34"]})
    test = rig(resolver=resolver, allow_private_networks=False)
    with (
        serving() as server,
        pytest.raises(BlockedDestination) as refused,
    ):
        test.send(get(f"https://localhost:{server.port}/admin"))

    assert resolver.calls == [("localhost", server.port)]
    assert refused.value.message == "the destination resolved to a loopback address"
    assert server.received == []
    assert test.waits == []  # a refusal is final
    assert test.records[0].error == "the destination resolved to a loopback address"


def test_a_redirect_to_a_refused_loopback_address_is_not_followed() -> None:
    second = LoopbackServer(host="127.0.0.2").start()
    try:
        test = rig(address_policy=only_127_0_0_1)
        location = f"http://127.0.0.2:{second.port}/x"
        with (
            serving(lambda _r: Reply(302, b"", {"Location": location})) as first,
            pytest.raises(BlockedDestination) as refused,
        ):
            test.send(get(f"{first.url}/start"))
    finally:
        second.stop()

    assert refused.value.message == "127.0.0.2 resolves to not on this test's allow list"
    assert len(first.received) == 1
    assert second.received == []


def test_a_redirect_to_the_metadata_address_is_not_followed() -> None:
    test = rig(address_policy=only_127_0_0_1)
    location = "http://169.254.169.254/latest/meta-data/"
    with (
        serving(lambda _r: Reply(302, b"", {"Location": location})) as server,
        pytest.raises(BlockedDestination, match=r"^169\.254\.169\.254 resolves to"),
    ):
        test.send(get(f"{server.url}/start"))

    assert len(server.received) == 1


def test_a_redirect_to_the_metadata_address_is_refused_by_the_default_policy_too() -> None:
    test = rig(allow_private_networks=True)
    location = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    with (
        serving(lambda _r: Reply(302, b"", {"Location": location})) as server,
        pytest.raises(BlockedDestination) as refused,
    ):
        test.send(get(f"{server.url}/start"))

    assert refused.value.message == "169.254.169.254 resolves to a cloud metadata address"


def test_a_redirect_to_ipv6_loopback_is_not_followed() -> None:
    test = rig(address_policy=only_127_0_0_1)
    with bare_listener("::1") as listener:
        location = f"http://[::1]:{listener.getsockname()[1]}/"
        with (
            serving(lambda _r: Reply(302, b"", {"Location": location})) as server,
            pytest.raises(BlockedDestination, match=r"^::1 resolves to"),
        ):
            test.send(get(f"{server.url}/start"))
        arrived = connection_arrived(listener)

    assert len(server.received) == 1
    assert not arrived


def test_the_metadata_address_is_refused_even_when_private_networks_are_allowed() -> None:
    resolver = FakeResolver({"metadata.internal": ["169.254.169.254"]})
    test = rig(resolver=resolver, allow_private_networks=True)

    with pytest.raises(BlockedDestination) as refused:
        test.send(get("http://metadata.internal/computeMetadata/v1/instance/service-accounts/default/token"))

    assert refused.value.message == "metadata.internal resolves to a cloud metadata address"
    assert resolver.calls == [("metadata.internal", 80)]
    assert test.records[0].success is False


# ------------------------------------------------------------------ secrets stay out of records and logs


def test_secrets_never_reach_the_audit_record_or_the_logs(log_lines: io.StringIO) -> None:
    secret = "sekrit-token-value"
    test = rig(outbound_max_retries=1)

    def request_to(base: str) -> OutboundRequest:
        return OutboundRequest(
            "POST",
            f"{base}/hooks/{secret}?token={secret}&page=1",
            headers={"Authorization": f"Bearer {secret}", "X-Api-Key": secret},
            json={"event": "ticket.created"},
            secrets=[secret],
        )

    with serving(lambda _r: Reply(401, b"bad token")) as server:
        answered = test.send(request_to(server.url))
    with pytest.raises(OutboundError) as unreachable:
        test.send(request_to(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(BlockedDestination) as blocked:
        rig(allow_private_networks=False).client.send(request_to("http://api.example.com"), AUDIT)

    # The request itself did carry the secret where it was asked to.
    assert server.received[0].headers["authorization"] == f"Bearer {secret}"
    assert parse_qs(urlsplit(server.received[0].path).query)["token"] == [secret]
    assert answered.status_code == 401
    assert len(test.records) == 2
    for record in test.records:
        assert secret not in record.endpoint
        assert secret not in (record.error or "")
        assert record.endpoint.startswith("http://127.0.0.1:")
    assert [record.error for record in test.records] == ["HTTP 401", "the service could not be reached"]
    assert secret not in unreachable.value.message
    assert secret not in blocked.value.message
    logged = log_lines.getvalue()
    assert logged.count("outbound request") == 3
    assert secret not in logged


# ------------------------------------------------------------------ the real audit writer


def test_the_audit_record_is_written_to_firestore(db: firestore.Client) -> None:
    client = OutboundClient(settings(outbound_max_retries=0))
    with serving(lambda _r: Reply(201, b'{"id": "42"}')) as server:
        started = datetime.now(UTC)
        response = client.send(
            OutboundRequest(
                "POST", f"{server.url}/v1/contacts?api_key=key-value-123456&page=1", json={"name": "Ada"}
            ),
            AuditTarget("team-a", "integration-1", "user-1"),
        )
        finished = datetime.now(UTC)

    assert response.status_code == 201
    snapshots = list(db.collection("teams/team-a/integrationLogs").stream())
    assert len(snapshots) == 1
    stored = snapshots[0].to_dict() or {}
    assert stored["method"] == "POST"
    assert stored["endpoint"].startswith(f"{server.url}/v1/contacts?")
    assert "key-value-123456" not in stored["endpoint"]
    assert parse_qs(urlsplit(stored["endpoint"]).query) == {"api_key": ["***"], "page": ["1"]}
    assert stored["integrationId"] == "integration-1"
    assert stored["statusCode"] == 201
    assert stored["duration"] == response.duration_ms
    assert stored["success"] is True
    assert stored["error"] is None
    assert stored["userId"] == "user-1"
    assert "teamId" not in stored
    assert started <= stored["timestamp"] <= finished
    assert stored["expireAt"] == stored["timestamp"] + timedelta(days=30)


def test_a_caller_given_writer_gets_the_one_record_instead_of_firestore_also_on_failure(
    db: firestore.Client,
) -> None:
    """A webhook delivery writes the record in its own batch: the client hands it over, once per
    request, whether the request got an answer or raised, and writes nothing itself."""
    client = OutboundClient(settings(outbound_max_retries=0))
    handed: list[RequestLogDoc] = []
    with serving(lambda _r: Reply(500, b"down")) as server:
        answered = client.send(OutboundRequest("POST", f"{server.url}/hook"), AUDIT, handed.append)
    with bare_listener() as silent:
        host, port = silent.getsockname()[:2]
        with pytest.raises(OutboundError) as raised:
            client.send(OutboundRequest("POST", f"http://{host}:{port}/hook"), AUDIT, handed.append)

    assert answered.status_code == 500
    assert raised.value.kind == "timeout"
    assert [(record.status_code, record.success, record.error) for record in handed] == [
        (500, False, "HTTP 500"),
        (None, False, "the service did not answer in time"),
    ]
    assert list(db.collection("teams/team-a/integrationLogs").stream()) == []


# Firestore refuses ids like `__x__`: the real audit writer fails on the real emulator for this team.
UNWRITABLE = AuditTarget("__unwritable__", "integration-1", "user-1")


def audit_failures(log_lines: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    return [line for line in lines if line["message"] == "audit record not written"]


def test_an_audit_record_that_cannot_be_written_loses_neither_the_answer_nor_sends_again(
    db: firestore.Client, log_lines: io.StringIO
) -> None:
    client = OutboundClient(settings(outbound_max_retries=3))
    with serving(lambda _r: Reply(201, b'{"id": "42"}')) as server:
        response = client.send(
            OutboundRequest("POST", f"{server.url}/v1/contacts", json={"n": 1}), UNWRITABLE
        )

    # The request happened once and its answer comes back: a caller that saw an error here would send
    # it again (a duplicate contact, a second delivery).
    assert (response.status_code, response.json(), response.attempts) == (201, {"id": "42"}, 1)
    assert len(server.received) == 1
    assert all_documents(db) == {}
    [failure] = audit_failures(log_lines)
    assert (failure["severity"], failure["errorType"]) == ("ERROR", "InvalidArgument")


def test_a_failed_request_whose_audit_record_cannot_be_written_raises_its_own_error(
    db: firestore.Client, log_lines: io.StringIO
) -> None:
    waits: list[float] = []
    client = OutboundClient(settings(outbound_max_retries=2), sleep=waits.append)

    with pytest.raises(OutboundError) as failed:
        client.send(get(f"http://127.0.0.1:{free_port()}/hook"), UNWRITABLE)

    assert failed.value.kind == "connection"
    assert len(waits) == 2  # the retries it was allowed, no more
    assert all_documents(db) == {}
    assert len(audit_failures(log_lines)) == 1
