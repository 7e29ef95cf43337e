"""What the two fake CRMs (`fake_hubspot.FakeHubSpot`, `fake_salesforce.FakeSalesforce`) share.

Both are real threaded HTTP servers on 127.0.0.1 (`tests/support/http_servers.LoopbackServer`) over an
in-memory store, speaking the vendors' public request and answer shapes. This module holds what is not
vendor-specific; each fake's own docstring describes its endpoints and helpers.

Lifecycle::

    with FakeHubSpot(token="hs-token") as hubspot:      # start() on enter, stop() on exit
        hubspot.url                                       # "http://127.0.0.1:<port>", the API base URL

    fake = FakeSalesforce().start(); ...; fake.stop()    # or by hand

    @pytest.fixture                                       # a fresh fake per test costs milliseconds
    def hubspot() -> Iterator[FakeHubSpot]:
        with FakeHubSpot(token="hs-token") as fake:
            yield fake

The engine reaches a fake over plain http on 127.0.0.1, so the outbound client must allow private
networks (`ALLOW_PRIVATE_NETWORKS`, as for the other loopback servers of the tests).

Clock (`fake.clock`, a `Clock`; pass `clock=` to share one between fakes and the test). Every
modification timestamp the fake writes comes from it. Real time by default::

    fake.clock.freeze(1_800_000_000_000)    # stop it (at a given epoch millisecond, or now when omitted)
    fake.clock.advance(1_500)               # move it forward (frozen or not)
    fake.clock.thaw()                       # run again from where it stands (never goes backwards)
    fake.now_ms()                           # what the fake calls "now"

Freezing the clock and changing several records makes a same-millisecond cluster.

Request log and counters, for "exactly N remote calls" and "no write happened":

    fake.requests          # list[Call]: every request, in arrival order (401s and injected failures too)
    Call(method, path, query, body, endpoint, status)
                           # path without the query string; query = parse_qs (dict[str, list[str]]);
                           # body = the parsed JSON (None when empty); endpoint = the fake's name for the
                           # route ("unknown" when none); status = the HTTP status answered
    fake.counts            # collections.Counter: endpoint name -> requests
    fake.calls()           # every request; fake.calls("search", "batch_read") only those endpoints
    fake.writes()          # requests to a write endpoint answered 2xx (HubSpot's 207 included; a
                           # Salesforce 200 whose records all failed counts too: its body says so)
    fake.reset_log()       # forget the log and counters (the records stay)
    fake.on_request = f    # f(call) runs after each request is answered and logged, before the answer
                           # is sent (e.g. change a record between two pages); it may call the helpers

Failure injection. Rules apply in the order they were added, to requests that passed authentication
and name a known endpoint; `endpoint=None` matches every endpoint:

    fake.fail_next(n=1, status=500, endpoint=None)          # the next n matching requests fail
    fake.rate_limit_next(n=1, retry_after_seconds=1, endpoint=None)
                           # HubSpot: 429 with Retry-After; Salesforce: 403 REQUEST_LIMIT_EXCEEDED
    fake.fail_after(k, status=500, times=1, endpoint=None)  # k matching requests go by, then the next
                           # `times` fail (times=None: every later one, until clear_failures()); a request
                           # an earlier rule failed still counts as one of the k
    fake.clear_failures()

Auth: every request must carry `Authorization: Bearer <fake.token>`; anything else is answered 401 in the
vendor's shape (and logged), so a test proves the engine sent the right token. `fake.token` may be
reassigned (a refreshed token).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, NamedTuple, Self
from urllib.parse import parse_qs, urlsplit

from tests.support.http_servers import LoopbackServer, Received, Reply

DEFAULT_TOKEN = "fake-crm-token"

Query = dict[str, list[str]]
# A route's handler: the path's captured parts, the query, the parsed JSON body.
Handler = Callable[[tuple[str, ...], Query, Any], Reply]


class Clock:
    """Milliseconds since the epoch: real time (plus what `advance` added) until frozen."""

    def __init__(self, frozen_at_ms: int | None = None) -> None:
        self._frozen_at_ms = frozen_at_ms
        self._offset_ms = 0
        self._lock = threading.Lock()

    @staticmethod
    def _real_ms() -> int:
        return time.time_ns() // 1_000_000

    def now_ms(self) -> int:
        with self._lock:
            if self._frozen_at_ms is not None:
                return self._frozen_at_ms
            return self._real_ms() + self._offset_ms

    @property
    def frozen(self) -> bool:
        return self._frozen_at_ms is not None

    def freeze(self, at_ms: int | None = None) -> int:
        """Stop the clock at `at_ms` (default: now); answers the frozen instant."""
        now = self.now_ms()
        with self._lock:
            self._frozen_at_ms = now if at_ms is None else at_ms
            return self._frozen_at_ms

    def advance(self, milliseconds: int) -> int:
        """Move the clock forward, frozen or running; answers the new now."""
        with self._lock:
            if self._frozen_at_ms is not None:
                self._frozen_at_ms += milliseconds
            else:
                self._offset_ms += milliseconds
        return self.now_ms()

    def thaw(self) -> None:
        """Run again from the frozen instant, so time never goes backwards."""
        with self._lock:
            if self._frozen_at_ms is not None:
                self._offset_ms = self._frozen_at_ms - self._real_ms()
                self._frozen_at_ms = None


class Call(NamedTuple):
    method: str
    path: str
    query: Query
    body: Any
    endpoint: str
    status: int


@dataclass
class _Injected:
    endpoint: str | None
    skip: int
    times: int | None
    status: int
    retry_after_seconds: float | None  # set: a rate limit rather than a server error

    def observe(self, endpoint: str, taken: bool) -> bool:
        """Whether this rule answers the request. A request another rule already answered still counts
        toward this one's `skip`, but never spends one of its failures."""
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        if taken:
            return False
        if self.times is not None:
            self.times -= 1
        return True

    @property
    def spent(self) -> bool:
        return self.times is not None and self.times <= 0


class Route(NamedTuple):
    endpoint: str
    handler: Handler
    params: tuple[str, ...]


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status,
        json.dumps(payload, separators=(",", ":")).encode(),
        {"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
    )


def query_list(query: Query, name: str) -> list[str]:
    """A list parameter given repeated (`a=x&a=y`), comma-separated (`a=x,y`) or both."""
    return [item for value in query.get(name, []) for item in value.split(",") if item]


def query_value(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


_INVALID_JSON = object()


class FakeCrm:
    """The server, clock, auth, log, counters and failure injection; subclasses route and answer."""

    write_endpoints: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, token: str = DEFAULT_TOKEN, clock: Clock | None = None) -> None:
        self.token = token
        self.clock = clock or Clock()
        self.requests: list[Call] = []
        self.counts: Counter[str] = Counter()
        self.on_request: Callable[[Call], None] | None = None
        # Reentrant: an on_request hook or a handler may call the public helpers.
        self._lock = threading.RLock()
        self._injected: list[_Injected] = []
        # The headers of the request being answered (lower-cased names), for handlers that read one.
        self._request_headers: dict[str, str] = {}
        self._server: LoopbackServer | None = None

    # -- lifecycle

    def start(self, port: int = 0) -> Self:
        """Serve on `port` (0: any free one, as tests do)."""
        self._server = LoopbackServer(self._respond, poll_interval_seconds=0.02, port=port).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake is not started")
        return self._server.url

    def now_ms(self) -> int:
        return self.clock.now_ms()

    # -- the log

    def calls(self, *endpoints: str) -> int:
        with self._lock:
            if not endpoints:
                return len(self.requests)
            return sum(self.counts[endpoint] for endpoint in endpoints)

    def writes(self) -> int:
        with self._lock:
            return sum(
                1
                for call in self.requests
                if call.endpoint in self.write_endpoints and 200 <= call.status < 300
            )

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.counts.clear()

    # -- failure injection

    def fail_next(self, n: int = 1, status: int = 500, endpoint: str | None = None) -> None:
        self._inject(_Injected(endpoint, 0, n, status, None))

    def rate_limit_next(
        self, n: int = 1, retry_after_seconds: float = 1, endpoint: str | None = None
    ) -> None:
        self._inject(_Injected(endpoint, 0, n, 429, retry_after_seconds))

    def fail_after(
        self, successes: int, status: int = 500, times: int | None = 1, endpoint: str | None = None
    ) -> None:
        self._inject(_Injected(endpoint, successes, times, status, None))

    def clear_failures(self) -> None:
        with self._lock:
            self._injected.clear()

    def _inject(self, rule: _Injected) -> None:
        self._check_endpoint(rule.endpoint)
        with self._lock:
            self._injected.append(rule)

    def _check_endpoint(self, endpoint: str | None) -> None:
        if endpoint is not None and endpoint not in self.endpoints():
            raise ValueError(f"unknown endpoint {endpoint!r}; this fake has {sorted(self.endpoints())}")

    def _take_injected(self, endpoint: str) -> _Injected | None:
        fired: _Injected | None = None
        for rule in self._injected:
            if rule.observe(endpoint, taken=fired is not None):
                fired = rule
        self._injected = [rule for rule in self._injected if not rule.spent]
        return fired

    # -- what a subclass provides

    def endpoints(self) -> frozenset[str]:
        """Every endpoint name this fake routes to (for counters and injection)."""
        raise NotImplementedError

    def _route(self, method: str, path: str) -> Route | None:
        raise NotImplementedError

    def _error(self, status: int, message: str, code: str) -> Reply:
        """An error in the vendor's shape."""
        raise NotImplementedError

    def _unauthorized(self) -> Reply:
        raise NotImplementedError

    def _injected_reply(self, rule: _Injected) -> Reply:
        raise NotImplementedError

    def _admit(self, endpoint: str) -> Reply | None:
        """A refusal by a limit the fake enforces itself (rates, quotas), or None to go on."""
        return None

    def _finish(self, reply: Reply) -> Reply:
        """Headers every answer carries."""
        return reply

    # -- the request path

    def _respond(self, received: Received) -> Reply:
        split = urlsplit(received.path)
        query = parse_qs(split.query, keep_blank_values=True)
        body: Any = None
        if received.body:
            try:
                body = json.loads(received.body)
            except ValueError:
                body = _INVALID_JSON
        with self._lock:
            self._request_headers = received.headers
            route = self._route(received.method, split.path)
            endpoint = route.endpoint if route is not None else "unknown"
            if received.headers.get("authorization") != f"Bearer {self.token}":
                reply = self._unauthorized()
            elif route is None:
                reply = self._error(404, f"no route for {received.method} {split.path}", "NOT_FOUND")
            elif body is _INVALID_JSON:
                reply = self._error(400, "Invalid input JSON", "INVALID_JSON")
            else:
                rule = self._take_injected(endpoint)
                if rule is not None:
                    reply = self._injected_reply(rule)
                else:
                    reply = self._admit(endpoint) or route.handler(route.params, query, body)
            reply = self._finish(reply)
            logged_body = None if body is _INVALID_JSON else body
            call = Call(received.method, split.path, query, logged_body, endpoint, reply.status)
            self.requests.append(call)
            self.counts[endpoint] += 1
        hook = self.on_request
        if hook is not None:
            hook(call)
        return reply
