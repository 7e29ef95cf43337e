"""A real OAuth 2.0 authorization server on loopback, for the tests (RFC 6749, PKCE RFC 7636, RFC 7009).

/authorize consents at once (or denies, when told to) and redirects with a code; /token exchanges a
code (checking the client, the redirect URI and the PKCE verifier) or a refresh token (rotating it when
told to); /revoke forgets a token. It counts token requests, so tests can prove there was exactly one, and
can hold them, so tests can order what happens while a refresh is at the provider.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.http_servers import LoopbackServer, Received, Reply

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-client-secret-value"


def acme_provider(server_url: str, team_id: str) -> dict[str, object]:
    """`oauth_providers_set` input for the team's custom provider "acme", served by this server."""
    return {
        "teamId": team_id,
        "providerId": "acme",
        "name": "Acme CRM",
        "authorizationUrl": f"{server_url}/authorize",
        "tokenUrl": f"{server_url}/token",
        "revocationUrl": f"{server_url}/revoke",
        "scopes": ["contacts", "offline"],
        "pkce": True,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
    }


@dataclass
class PendingCode:
    redirect_uri: str
    scope: str
    challenge: str | None


@dataclass
class OAuthServer:
    """Behaviour switches are plain attributes a test flips."""

    deny_consent: bool = False
    rotate_refresh_tokens: bool = False
    expires_in: int = 3600
    token_delay_seconds: float = 0.0
    fail_token_requests_with: int | None = None
    # While not None, each token request is counted, then held until this event is set: a test orders
    # what other callers do around a refresh that is at the provider (`token_request_held` says one is).
    hold_token_requests: threading.Event | None = None
    token_request_held: threading.Event = field(default_factory=threading.Event)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    issued_access_tokens: list[str] = field(default_factory=list)
    _codes: dict[str, PendingCode] = field(default_factory=dict)
    _refresh_tokens: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: LoopbackServer | None = None

    # -- lifecycle

    def start(self) -> OAuthServer:
        self.server = LoopbackServer(self.respond).start()
        return self

    def stop(self) -> None:
        if self.hold_token_requests is not None:
            self.hold_token_requests.set()  # a test that failed midway leaves no request held
        if self.server is not None:
            self.server.stop()

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    # -- what a test can set up directly

    def issue_refresh_token(self) -> str:
        token = "rt-" + secrets.token_urlsafe(16)
        with self._lock:
            self._refresh_tokens.add(token)
        return token

    def refresh_grants(self) -> int:
        return sum(1 for request in self.token_requests if request.get("grant_type") == "refresh_token")

    # -- the endpoints

    def respond(self, request: Received) -> Reply:
        path = urlsplit(request.path).path
        if path == "/authorize" and request.method == "GET":
            return self._authorize(request)
        if path == "/token" and request.method == "POST":
            return self._token(request)
        if path == "/revoke" and request.method == "POST":
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            with self._lock:
                self.revoked.add(form.get("token", ""))
                self._refresh_tokens.discard(form.get("token", ""))
            return Reply(200, b"")
        return Reply(404, b"not found")

    def _authorize(self, request: Received) -> Reply:
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
        redirect_uri = query["redirect_uri"]
        state = query.get("state", "")
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return Reply(400, b"bad authorization request")
        if self.deny_consent:
            location = f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': state})}"
            return Reply(302, b"", {"Location": location})
        code = "code-" + secrets.token_urlsafe(16)
        challenge = query.get("code_challenge")
        if challenge is not None and query.get("code_challenge_method") != "S256":
            return Reply(400, b"only S256")
        with self._lock:
            self._codes[code] = PendingCode(redirect_uri, query.get("scope", ""), challenge)
        location = f"{redirect_uri}?{urlencode({'code': code, 'state': state})}"
        return Reply(302, b"", {"Location": location})

    def _error(self, error: str, status: int = 400) -> Reply:
        return Reply(status, json.dumps({"error": error}).encode(), {"Content-Type": "application/json"})

    def _tokens(self, scope: str, refresh_token: str | None) -> Reply:
        access_token = "at-" + secrets.token_urlsafe(24)
        self.issued_access_tokens.append(access_token)
        answer: dict[str, object] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": scope,
            "instance_url": "https://example.my.salesforce.test",
        }
        if refresh_token is not None:
            answer["refresh_token"] = refresh_token
        return Reply(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    def _token(self, request: Received) -> Reply:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        with self._lock:
            self.token_requests.append(form)
        if self.hold_token_requests is not None:
            self.token_request_held.set()
            self.hold_token_requests.wait(timeout=60)
        if self.token_delay_seconds:
            time.sleep(self.token_delay_seconds)
        if self.fail_token_requests_with is not None:
            return self._error("server_error", self.fail_token_requests_with)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._error("invalid_client", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with self._lock:
                pending = self._codes.pop(form.get("code", ""), None)
            if pending is None or pending.redirect_uri != form.get("redirect_uri"):
                return self._error("invalid_grant")
            if pending.challenge is not None:
                verifier = form.get("code_verifier", "")
                computed = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
                )
                if computed != pending.challenge:
                    return self._error("invalid_grant")
            return self._tokens(pending.scope, self.issue_refresh_token())
        if grant_type == "refresh_token":
            token = form.get("refresh_token", "")
            with self._lock:
                if token not in self._refresh_tokens:
                    return self._error("invalid_grant")
                if self.rotate_refresh_tokens:
                    self._refresh_tokens.discard(token)
            rotated = self.issue_refresh_token() if self.rotate_refresh_tokens else None
            return self._tokens("contacts", rotated)
        return self._error("unsupported_grant_type")
