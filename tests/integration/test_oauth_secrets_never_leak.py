"""OAuth secrets never come back: not in answers, not in the callback's redirect, not in Firestore (other
than sealed), not in logs.

A custom provider is set up with a known client secret and served by the loopback OAuth server; a user
goes through the whole code flow with PKCE in a browser (the launch's cookie, the callback); the connection is read, refreshed, refreshed with rotation,
refused with invalid_grant, replaced with tokens obtained elsewhere and revoked. Then every answer, the
callback's Location, every log line and every document is searched for the client secret, every token
the server issued or the test stored, the authorization code, the state, the launch token, the
browser's binding (the cookie's value) and the PKCE verifier.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from google.cloud import firestore

from functions import (
    oauth_providers_list,
    oauth_providers_set,
    oauth_start,
    oauth_tokens_get,
    oauth_tokens_refresh,
    oauth_tokens_revoke,
    oauth_tokens_store,
)
from shared import errors, sealed
from shared.store import paths
from tests.integration.conftest import all_documents
from tests.integration.test_oauth import CONSOLE, RETURN_URL, expire_soon
from tests.support.callables import Answer, call
from tests.support.oauth_browser import consent, open_callback, open_launch
from tests.support.oauth_server import CLIENT_SECRET, OAuthServer, acme_provider

# Tokens the test hands to the product itself (a token obtained elsewhere, and one refreshed elsewhere).
STORED_ACCESS_TOKEN = "storedAccessTokenQm4Vx8Rt"
STORED_REFRESH_TOKEN = "storedRefreshTokenLp2Wz6Nc"
OTHER_ACCESS_TOKEN = "otherUserAccessTokenHj7Ks3"
OTHER_REFRESH_TOKEN = "otherUserRefreshTokenBd5Ty1"
ELSEWHERE_ACCESS_TOKEN = "refreshedElsewhereAccessGx9Pm"
ELSEWHERE_REFRESH_TOKEN = "refreshedElsewhereRefreshYu4Qa"


class Recorder:
    """Every answer the product gave in this test, labelled, for the scan at the end."""

    def __init__(self) -> None:
        self.answers: list[tuple[str, Any]] = []

    def call(self, label: str, function: Any, data: dict[str, Any], uid: str = "admin") -> Answer:
        answer = call(function, data, uid=uid)
        self.answers.append((label, answer.body))
        return answer

    def record(self, label: str, output: Any) -> None:
        self.answers.append((label, output))


class SeenRefreshTokens:
    """The refresh tokens the OAuth server issued: it keeps only the live ones, so look often."""

    def __init__(self, server: OAuthServer) -> None:
        self.server = server
        self.tokens: set[str] = set()

    def look(self) -> None:
        self.tokens |= set(self.server._refresh_tokens)
        self.tokens |= self.server.revoked - {""}
        self.tokens |= {r["refresh_token"] for r in self.server.token_requests if r.get("refresh_token")}


def leaked(text: str, secrets: dict[str, str]) -> list[str]:
    return [label for label, secret in secrets.items() if secret in text]


def test_no_oauth_secret_leaves_through_answers_redirects_documents_or_logs(
    db: firestore.Client,
    team: str,
    oauth_server: OAuthServer,
    browser: requests.Session,
    log_lines: io.StringIO,
) -> None:
    recorder = Recorder()
    refresh_tokens = SeenRefreshTokens(oauth_server)

    # Given a custom provider whose client secret is known,
    provider = recorder.call(
        "oauth_providers_set",
        oauth_providers_set,
        acme_provider(oauth_server.url, team),
    )
    assert provider.status == 200, provider.body
    recorder.call("oauth_providers_list", oauth_providers_list, {"teamId": team}, uid="member")

    # the whole code flow: start, the launch (the browser's binding), consent at the provider, the
    # callback and the code exchange,
    started = call(
        oauth_start,
        {"teamId": team, "provider": "custom", "customProviderId": "acme", "returnUrl": RETURN_URL},
        uid="admin",
    )
    # The launch token must travel in the URL oauth_start answers: this answer is scanned for the rest.
    start_answer = started.body
    launch = parse_qs(urlsplit(started.result["authorizationUrl"]).query)["launch"][0]
    launched = open_launch(browser, started.result["authorizationUrl"], CONSOLE)
    assert launched.status_code == 302, launched.text
    # The state must travel in the provider's URL, where the launch sends the browser.
    provider_url = launched.headers["Location"]
    recorder.record("oauth_authorize page", launched.text)
    browser_binding = browser.cookies["__session"]
    callback_url = consent(browser, provider_url)
    redirect = parse_qs(urlsplit(callback_url).query)
    code, state = redirect["code"][0], redirect["state"][0]
    landing = open_callback(browser, callback_url)
    assert landing.status == 302, landing.page
    assert landing.location is not None
    recorder.record("oauth_callback Location", landing.location)
    recorder.record("oauth_callback page", landing.page)
    oauth_id = landing.back["oauthId"][0]
    exchange = oauth_server.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["code"] == code
    code_verifier = exchange["code_verifier"]
    refresh_tokens.look()

    # The tokens of the flow are sealed, and they decrypt back.
    owner = paths.oauth_token_secrets(team, oauth_id)
    flow_tokens = sealed.unseal(owner, db.document(owner).get().to_dict()["encrypted"])
    assert flow_tokens["accessToken"] == oauth_server.issued_access_tokens[-1]
    assert flow_tokens["refreshToken"] in refresh_tokens.tokens

    # the connection read, refreshed, refreshed with rotation, then refused,
    connection_ref = {"teamId": team, "oauthId": oauth_id}
    query = {"teamId": team, "provider": "custom", "customProviderId": "acme", "userId": "admin"}
    assert recorder.call("oauth_tokens_get", oauth_tokens_get, query, uid="member").status == 200
    expire_soon(db, team, oauth_id)
    assert recorder.call("refresh", oauth_tokens_refresh, connection_ref).status == 200
    refresh_tokens.look()
    oauth_server.rotate_refresh_tokens = True
    expire_soon(db, team, oauth_id)
    assert recorder.call("refresh with rotation", oauth_tokens_refresh, connection_ref).status == 200
    refresh_tokens.look()
    assert oauth_server.refresh_grants() == 2
    rotated = sealed.unseal(owner, db.document(owner).get().to_dict()["encrypted"])["refreshToken"]
    assert rotated != flow_tokens["refreshToken"]
    assert rotated in refresh_tokens.tokens
    oauth_server._refresh_tokens.clear()
    expire_soon(db, team, oauth_id)
    refused = recorder.call("refresh refused", oauth_tokens_refresh, connection_ref)
    assert refused.error["status"] == "FAILED_PRECONDITION", refused.body
    assert oauth_server.refresh_grants() == 3
    recorder.call("oauth_tokens_get after invalid_grant", oauth_tokens_get, query, uid="member")

    # tokens stored from elsewhere (replacing the refused ones, and for another user), one refreshed
    # elsewhere, then the connection revoked,
    expires_at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    stored = recorder.call(
        "oauth_tokens_store",
        oauth_tokens_store,
        {
            **query,
            "accessToken": STORED_ACCESS_TOKEN,
            "refreshToken": STORED_REFRESH_TOKEN,
            "expiresAt": expires_at,
        },
    )
    assert stored.result["id"] == oauth_id
    other = recorder.call(
        "oauth_tokens_store other user",
        oauth_tokens_store,
        {**query, "userId": "user-2", "accessToken": OTHER_ACCESS_TOKEN, "refreshToken": OTHER_REFRESH_TOKEN},
        uid="owner",  # a token for another user: owners only
    )
    other_id = other.result["id"]
    assert sealed.unseal(owner, db.document(owner).get().to_dict()["encrypted"]) == {
        "accessToken": STORED_ACCESS_TOKEN,
        "refreshToken": STORED_REFRESH_TOKEN,
    }
    elsewhere = recorder.call(
        "refreshed elsewhere",
        oauth_tokens_refresh,
        {
            **connection_ref,
            "newToken": ELSEWHERE_ACCESS_TOKEN,
            "newRefreshToken": ELSEWHERE_REFRESH_TOKEN,
            "expiresAt": expires_at,
        },
    )
    assert elsewhere.status == 200, elsewhere.body
    revoked = recorder.call("oauth_tokens_revoke", oauth_tokens_revoke, connection_ref)
    assert revoked.result == {"id": oauth_id, "status": "revoked", "revokedAtProvider": True}
    assert ELSEWHERE_REFRESH_TOKEN in oauth_server.revoked
    recorder.call("oauth_tokens_get after revoke", oauth_tokens_get, query, uid="member")
    refresh_tokens.look()

    # then no secret appears in any answer, redirect, log line or document.
    secrets = {
        "client secret": CLIENT_SECRET,
        "authorization code": code,
        "state": state,
        "launch token": launch,
        "browser binding (the cookie's value)": browser_binding,
        "code verifier": code_verifier,
        "stored access token": STORED_ACCESS_TOKEN,
        "stored refresh token": STORED_REFRESH_TOKEN,
        "other user's access token": OTHER_ACCESS_TOKEN,
        "other user's refresh token": OTHER_REFRESH_TOKEN,
        "access token refreshed elsewhere": ELSEWHERE_ACCESS_TOKEN,
        "refresh token refreshed elsewhere": ELSEWHERE_REFRESH_TOKEN,
    }
    assert len(oauth_server.issued_access_tokens) == 3
    for number, token in enumerate(oauth_server.issued_access_tokens):
        secrets[f"issued access token {number}"] = token
    assert len(refresh_tokens.tokens) >= 2
    for number, token in enumerate(sorted(refresh_tokens.tokens)):
        secrets[f"issued refresh token {number}"] = token

    for label, body in recorder.answers:
        assert leaked(json.dumps(body), secrets) == [], label
    # The one place the launch token must be: the URL oauth_start answers; the state: the provider's URL.
    assert launch in json.dumps(start_answer)
    start_secrets = {label: secret for label, secret in secrets.items() if label != "launch token"}
    assert leaked(json.dumps(start_answer), start_secrets) == [], "oauth_start"
    assert state in provider_url
    provider_url_secrets = {label: secret for label, secret in secrets.items() if label != "state"}
    assert leaked(provider_url, provider_url_secrets) == [], "the launch's Location"
    logs = log_lines.getvalue()
    # The flow was logged (exchange, refreshes, refusal, revocation), so the scan below means something.
    messages = [json.loads(line)["message"] for line in logs.splitlines()]
    assert messages.count("outbound request") >= 5, messages
    assert "oauth connection needs reauthorization" in messages
    assert leaked(logs, secrets) == [], "log lines"
    documents = all_documents(db)
    assert leaked(json.dumps(documents, default=str), secrets) == [], "documents"

    # The secrets documents left hold ciphertext only, bound to their owner, and decrypt back.
    sealed_documents = {path: body for path, body in documents.items() if path.startswith("secrets/")}
    other_owner = paths.oauth_token_secrets(team, other_id)
    provider_owner = paths.oauth_provider_secret(team, "acme")
    assert set(sealed_documents) == {other_owner, provider_owner}
    expected = {
        other_owner: {"accessToken": OTHER_ACCESS_TOKEN, "refreshToken": OTHER_REFRESH_TOKEN},
        provider_owner: {"clientSecret": CLIENT_SECRET},
    }
    for path, body in sealed_documents.items():
        assert set(body) == {"encrypted", "keyVersion", "updatedAt"}, path
        encrypted = body["encrypted"]
        assert isinstance(encrypted, dict)
        assert set(encrypted) == set(expected[path]), path
        assert sealed.unseal(path, encrypted) == expected[path], path
        with pytest.raises(errors.Internal):  # bound to its owner: elsewhere it does not decrypt
            sealed.unseal(paths.oauth_token_secrets(team, "another-connection"), encrypted)
    assert not db.document(owner).get().exists
