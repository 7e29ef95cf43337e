"""The one HTTP client for third parties: timeouts, a size cap, retries, an SSRF guard, an audit log.

Every request the product sends to a third party goes through `send()`:

- connect and read timeouts, and a cap on the response size (the body is streamed and cut off);
- retries on 429, 502, 503, 504 and connection errors, with exponential backoff and full jitter,
  honouring `Retry-After`, bounded in count and in total time;
- an SSRF guard: the host is resolved and refused when any address is loopback, private, link-local,
  multicast, reserved or a cloud metadata address (IPv4 and IPv6, IPv4-mapped included); the address a
  connection actually reaches is checked again (DNS can change between the two); redirects are followed
  by hand so every hop is checked. `allow_private_networks` (the emulator's `.env.local`) lifts it;
- one audit record per request in `teams/{teamId}/integrationLogs/{id}`, with secrets removed from the
  endpoint and the error. A caller that writes its own batch after the request (a webhook delivery)
  passes `audit_writer` and gets the record handed to it instead, once, also when the send raises.
"""

from __future__ import annotations

import email.utils
import ipaddress
import random
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from shared import errors, log
from shared.models.request_logs import RequestLogDoc
from shared.settings import Settings, get_settings
from shared.store import request_logs

RETRY_STATUSES = frozenset({429, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
ERROR_TEXT_LIMIT = 500
REDACTED = "***"

# Query parameters whose values are credentials, whatever the service (compared case-insensitively).
SECRET_QUERY_PARAMETERS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "client_secret",
        "code",
        "key",
        "password",
        "refresh_token",
        "secret",
        "sig",
        "signature",
        "token",
        "code_verifier",
    }
)

# Cloud metadata services: refused even when private networks are allowed. AWS, GCP and Azure (IPv4),
# AWS ECS task metadata, AWS IPv6, Google Cloud IPv6, Oracle Cloud, Alibaba Cloud.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("fd20:ce::254"),
        ipaddress.ip_address("192.0.0.192"),
        ipaddress.ip_address("100.100.100.200"),
    }
)
# Not globally routable, whatever `ipaddress` says of them: IANA's special-purpose 192.0.0.0/24 (Python
# counts parts of it as global).
NOT_GLOBAL_NETWORKS = (ipaddress.ip_network("192.0.0.0/24"),)
# IPv6 ranges that carry an IPv4 address in their last 32 bits: NAT64 (well-known and local-use
# prefixes) and the deprecated IPv4-compatible addresses.
NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

Resolver = Callable[[str, int], list[str]]
# Takes one audit record: writes it, or keeps it for the caller's own batch.
AuditWriter = Callable[[RequestLogDoc], object]
# Why an address may not be reached, or None when it may.
AddressPolicy = Callable[[str], str | None]


class OutboundError(errors.AppError):
    """A request that got no usable answer. `kind` says why; the message never carries a secret."""

    code = errors.ErrorCode.UNAVAILABLE

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message, details={"kind": kind})
        self.kind = kind


class BlockedDestination(OutboundError):
    code = errors.ErrorCode.FAILED_PRECONDITION

    def __init__(self, message: str) -> None:
        super().__init__("blocked", message)


@dataclass(frozen=True)
class AuditTarget:
    """Whose request this is, for the audit record: the team, what it is for, who caused it."""

    team_id: str
    integration_id: str
    user_id: str = "system"


@dataclass(frozen=True)
class OutboundRequest:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    data: bytes | str | None = None
    # Every secret in the request (tokens, secret URLs): scrubbed from the audit record, logs, errors.
    secrets: Sequence[str] = ()
    # Requests that must not be repeated (a POST that creates something) can opt out of retries.
    retry: bool = True
    # Webhook deliveries treat a redirect as a failure (Standard Webhooks); other calls follow them,
    # each hop checked by the guard.
    follow_redirects: bool = True


@dataclass(frozen=True)
class OutboundResponse:
    status_code: int
    headers: Mapping[str, str]
    body: bytes
    duration_ms: float
    attempts: int
    url: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        import json

        return json.loads(self.body)


# ---------------------------------------------------------------- the address policy (SSRF guard)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo client, NAT64, compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in network for network in NAT64_NETWORKS) or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private_networks: bool) -> str | None:
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if allow_private_networks:
        return None
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_private or ip.is_reserved or not ip.is_global or any(ip in net for net in NOT_GLOBAL_NETWORKS):
        return "a private or reserved address"
    return None


def address_refusal(address: str, allow_private_networks: bool) -> str | None:
    """Why an IP address may not be reached, or None when it may.

    An IPv6 address that carries an IPv4 one (6to4, Teredo, NAT64, mapped) is judged by both: a relay
    would deliver it to the embedded address, so `2002:a9fe:a9fe::` is the metadata service.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _refusal(ip.ipv4_mapped, allow_private_networks)  # it is the IPv4 address itself
        embedded = embedded_ipv4(ip)
        reason = None if embedded is None else _refusal(embedded, allow_private_networks)
        if reason is not None:
            return reason
    return _refusal(ip, allow_private_networks)


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OutboundError("dns", f"the host {host} could not be resolved") from error
    return [str(info[4][0]) for info in infos]


def _guarded_connection_classes(
    policy: AddressPolicy,
) -> tuple[type[HTTPConnectionPool], type[HTTPSConnectionPool]]:
    """Connection pools whose sockets are checked against the policy once connected."""

    def check_peer(sock: socket.socket) -> None:
        peer = sock.getpeername()[0]
        reason = policy(peer)
        if reason is not None:
            sock.close()
            raise BlockedDestination(f"the destination resolved to {reason}")

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            check_peer(sock)
            return sock

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            check_peer(sock)
            return sock

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return GuardedHTTPPool, GuardedHTTPSPool


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: AddressPolicy) -> None:
        self._pools = _guarded_connection_classes(policy)
        super().__init__(pool_connections=20, pool_maxsize=50, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        http_pool, https_pool = self._pools
        self.poolmanager.pool_classes_by_scheme = {"http": http_pool, "https": https_pool}


# ---------------------------------------------------------------- scrubbing


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (of at least 4 characters) replaced by ***, longest first."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _as_in_urls(secrets: Iterable[str]) -> list[str]:
    """Each secret as given and percent-encoded, as it appears when a caller escaped it into a URL
    (HubSpot's revocation puts the refresh token in the path)."""
    forms = [form for secret in secrets for form in (secret, quote(secret, safe=""), quote(secret))]
    return list(dict.fromkeys(form for form in forms if form))


def sanitize_endpoint(url: str, secrets: Iterable[str] = ()) -> str:
    """The URL for the audit log: no user-info, credential query values and secret paths replaced."""
    secrets = _as_in_urls(secrets)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if ":" in (parts.hostname or "") and not host.startswith("["):
        host = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
    # A URL that is itself a secret (a Slack or Zapier hook) keeps only its scheme and host.
    if any(secret and (secret == url or (len(secret) >= 8 and secret in parts.path)) for secret in secrets):
        return urlunsplit((parts.scheme, host, "/" + REDACTED, "", ""))
    # Values are scrubbed before they are encoded: an encoded secret would no longer match.
    query = urlencode(
        [
            (name, REDACTED if name.lower() in SECRET_QUERY_PARAMETERS else redact(value, secrets))
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    cleaned = urlunsplit((parts.scheme, host, redact(parts.path, secrets), query, ""))
    return redact(cleaned, secrets)


CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _without_credentials(headers: dict[str, str], secrets: Sequence[str]) -> dict[str, str]:
    """Headers safe to send to another origin: no auth headers, no header carrying a secret."""
    return {
        name: value
        for name, value in headers.items()
        if name.lower() not in CREDENTIAL_HEADERS
        and not any(s and len(s) >= 4 and s in value for s in secrets)
    }


# ---------------------------------------------------------------- retries


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is true, and float("²") fails
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))


def backoff_seconds(attempt: int, rng: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^attempt)]."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2**attempt))
    return (rng or random).uniform(0, ceiling)


# ---------------------------------------------------------------- the client


class OutboundClient:
    def __init__(
        self,
        settings: Settings | None = None,
        resolver: Resolver = system_resolver,
        sleep: Callable[[float], None] = time.sleep,
        audit_writer: AuditWriter | None = None,
        address_policy: AddressPolicy | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        allow_private = self.settings.allow_private_networks
        self._policy: AddressPolicy = address_policy or (
            lambda address: address_refusal(address, allow_private)
        )
        self._resolver = resolver
        self._sleep = sleep
        self._audit_writer: AuditWriter = audit_writer or request_logs.add
        self._session = requests.Session()
        self._session.trust_env = False  # never route third-party calls through an ambient proxy
        adapter = _GuardedAdapter(self._policy)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    # -- checks before connecting

    def check_url(self, url: str) -> None:
        """Refuse a URL the product may not call: scheme, credentials, and where the host resolves."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise BlockedDestination("only http and https URLs with a host can be called")
        if parts.scheme == "http" and not self.settings.allow_private_networks:
            raise BlockedDestination("plain http is refused; use https")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = self._resolver(parts.hostname, port)
        for address in addresses:
            reason = self._policy(address)
            if reason is not None:
                raise BlockedDestination(f"{parts.hostname} resolves to {reason}")

    # -- one attempt

    def _attempt(
        self, method: str, url: str, request: OutboundRequest, headers: dict[str, str], with_body: bool
    ) -> requests.Response:
        self.check_url(url)
        return self._session.request(
            method,
            url,
            headers=headers,
            json=request.json if with_body and request.data is None else None,
            data=request.data if with_body else None,
            timeout=(
                self.settings.outbound_connect_timeout_seconds,
                self.settings.outbound_read_timeout_seconds,
            ),
            allow_redirects=False,
            stream=True,
        )

    def _read_capped(self, response: requests.Response) -> bytes:
        limit = self.settings.outbound_max_response_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            response.close()
            raise OutboundError("too_large", f"the response is larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > limit:
                response.close()
                raise OutboundError("too_large", f"the response is larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _follow(self, request: OutboundRequest) -> tuple[requests.Response, bytes, str]:
        """One request with its redirects, each hop checked; answers the final response and body."""
        method, url = request.method.upper(), request.url
        headers, with_body = dict(request.headers), True
        for _ in range(MAX_REDIRECTS + 1):
            response = self._attempt(method, url, request, headers, with_body)
            location = response.headers.get("Location")
            if request.follow_redirects and response.status_code in REDIRECT_STATUSES and location:
                response.close()
                next_url = urljoin(url, location)
                if urlsplit(next_url)[:2] != urlsplit(url)[:2]:
                    # Another origin gets none of the credentials (as browsers, requests and curl do).
                    headers = _without_credentials(headers, request.secrets)
                url = next_url
                if response.status_code == 303 or (response.status_code in {301, 302} and method == "POST"):
                    method, with_body = "GET", False
                    headers = {
                        k: v
                        for k, v in headers.items()
                        if k.lower() not in {"content-type", "content-length"}
                    }
                continue
            return response, self._read_capped(response), url
        raise OutboundError("redirects", f"more than {MAX_REDIRECTS} redirects")

    # -- the public entry point

    def send(
        self, request: OutboundRequest, audit: AuditTarget | None, audit_writer: AuditWriter | None = None
    ) -> OutboundResponse:
        """Send with retries; answers the last response (any status) or raises OutboundError.

        The audit record goes to `audit_writer` when given (instead of the client's own writer),
        before this answers or raises.
        """
        started = time.monotonic()
        budget = self.settings.outbound_retry_budget_seconds
        max_attempts = 1 + (self.settings.outbound_max_retries if request.retry else 0)
        attempts = 0
        final_url = request.url
        response: requests.Response | None = None
        body = b""
        failure: OutboundError | None = None
        while True:
            attempts += 1
            failure, response = None, None
            try:
                response, body, final_url = self._follow(request)
            except OutboundError as error:
                failure = error
            except requests.Timeout:
                failure = OutboundError("timeout", "the service did not answer in time")
            except requests.ConnectionError as error:
                failure = self._connection_failure(error)
            except (requests.RequestException, urllib3.exceptions.HTTPError, ValueError) as error:
                failure = OutboundError(
                    "invalid_request", f"the request could not be sent ({type(error).__name__})"
                )

            retryable = (response is not None and response.status_code in RETRY_STATUSES) or (
                failure is not None and failure.kind in {"timeout", "connection"}
            )
            if not retryable or attempts >= max_attempts:
                break
            wait = backoff_seconds(attempts - 1)
            if response is not None:
                wait = max(wait, retry_after_seconds(response.headers.get("Retry-After")) or 0.0)
            if time.monotonic() - started + wait > budget:
                break
            self._sleep(wait)

        duration_ms = round((time.monotonic() - started) * 1000, 1)
        secrets = list(request.secrets)
        endpoint = sanitize_endpoint(request.url, secrets)
        status_code = response.status_code if response is not None else None
        error_text = None if failure is None else redact(failure.message, secrets)[:ERROR_TEXT_LIMIT]
        if failure is None and status_code is not None and status_code >= 400:
            error_text = f"HTTP {status_code}"
        success = failure is None and status_code is not None and status_code < 400
        log.info(
            "outbound request",
            method=request.method.upper(),
            endpoint=endpoint,
            statusCode=status_code,
            durationMs=duration_ms,
            attempts=attempts,
            success=success,
            error=error_text,
        )
        if audit is not None:
            self.record(
                audit,
                request.method.upper(),
                endpoint,
                status_code,
                duration_ms,
                success,
                error_text,
                audit_writer,
            )
        if failure is not None:
            # Messages are built from fixed text and host names only, never from the request's secrets.
            raise failure
        assert response is not None
        return OutboundResponse(
            status_code=response.status_code,
            headers=dict(response.headers),
            body=body,
            duration_ms=duration_ms,
            attempts=attempts,
            url=final_url,
        )

    def _connection_failure(self, error: requests.ConnectionError) -> OutboundError:
        # The peer check raises inside urllib3's connect, and urllib3 and requests wrap it (in
        # causes, contexts and args); find it to keep the reason.
        pending: list[BaseException] = [error]
        seen: set[int] = set()
        while pending:
            current = pending.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            if isinstance(current, BlockedDestination):
                return current
            linked = (current.__cause__, current.__context__, *current.args)
            pending += [item for item in linked if isinstance(item, BaseException)]
        return OutboundError("connection", "the service could not be reached")

    def record(
        self,
        audit: AuditTarget,
        method: str,
        endpoint: str,
        status_code: int | None,
        duration_ms: float,
        success: bool,
        error_text: str | None,
        audit_writer: AuditWriter | None = None,
    ) -> None:
        """One audit record; also for calls made by an SDK of the third party's (EventBridge)."""
        now = datetime.now(UTC)
        record = RequestLogDoc(
            id="",
            team_id=audit.team_id,
            integration_id=audit.integration_id,
            method=method,
            endpoint=endpoint,
            status_code=status_code,
            duration=duration_ms,
            success=success,
            error=error_text,
            user_id=audit.user_id,
            timestamp=now,
            expire_at=now + timedelta(days=self.settings.audit_retention_days),
        )
        try:
            (audit_writer or self._audit_writer)(record)
        except Exception as error:  # noqa: BLE001 - the request happened; losing its record must not hide that
            log.error(
                "audit record not written", errorType=type(error).__name__, integrationId=audit.integration_id
            )


_client: OutboundClient | None = None


def client() -> OutboundClient:
    """The instance's client (a pooled session), built on first use."""
    global _client
    if _client is None:
        _client = OutboundClient()
    return _client


def reset_client() -> None:
    global _client
    _client = None
