"""The authorization-code flow: `oauth_start` (state + PKCE) and `oauth_callback` (the code exchange)."""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from shared import errors, log, outbound, sealed
from shared.auth import Caller, require_admin
from shared.models.oauth import OAuthConnectionDoc, OAuthStart, OAuthStarted, OAuthStateDoc
from shared.oauth import tokens
from shared.oauth.providers import resolve
from shared.settings import get_settings
from shared.store import integrations as integration_store
from shared.store import oauth as store
from shared.store import paths
from shared.urls import is_loopback_host

STATE_LIFETIME = timedelta(minutes=10)
CODE_VERIFIER = "codeVerifier"


def _check_return_url(return_url: str) -> None:
    parts = urlsplit(return_url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    settings = get_settings()
    allowed = (
        origin in {allowed.lower() for allowed in settings.oauth_return_origins} and parts.scheme == "https"
    )
    local = (
        settings.allow_private_networks
        and parts.scheme in {"http", "https"}
        and parts.hostname is not None
        and is_loopback_host(parts.hostname)
    )
    if not (allowed or local):
        raise errors.InvalidArgument("returnUrl: is not an allowed return address", field="returnUrl")


def _code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def start(caller: Caller, data: OAuthStart) -> OAuthStarted:
    """Build the provider's authorization URL and remember a single-use state for 10 minutes."""
    require_admin(caller, data.team_id)
    _check_return_url(data.return_url)
    if data.integration_id is not None and integration_store.get(data.team_id, data.integration_id) is None:
        raise errors.NotFound("integration not found", field="integrationId")
    spec, client = resolve(data.team_id, data.provider, data.custom_provider_id)
    scopes = list(data.scopes) if data.scopes else list(spec.default_scopes)
    state = secrets.token_urlsafe(32)
    state_hash = tokens.state_hash(state)
    redirect_uri = get_settings().oauth_callback_url
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        **spec.extra_authorization_params,
    }
    if scopes:
        params["scope"] = spec.scope_separator.join(scopes)
    sealed_verifier = None
    if spec.pkce:
        verifier = secrets.token_urlsafe(64)
        params["code_challenge"] = _code_challenge(verifier)
        params["code_challenge_method"] = "S256"
        encrypted, _version = sealed.seal(paths.oauth_state(state_hash), {CODE_VERIFIER: verifier})
        sealed_verifier = encrypted
    now = datetime.now(UTC)
    store.put_state(
        state_hash,
        OAuthStateDoc(
            team_id=data.team_id,
            user_id=caller.uid,
            provider=data.provider,
            custom_provider_id=data.custom_provider_id,
            integration_id=data.integration_id,
            scopes=scopes,
            return_url=data.return_url,
            redirect_uri=redirect_uri,
            code_verifier=sealed_verifier,
            created_at=now,
            expires_at=now + STATE_LIFETIME,
            expire_at=now + timedelta(days=1),
        ),
    )
    separator = "&" if urlsplit(spec.authorization_url).query else "?"
    return OAuthStarted(
        authorization_url=f"{spec.authorization_url}{separator}{urlencode(params)}",
        state_expires_at=now + STATE_LIFETIME,
    )


# ---------------------------------------------------------------- the callback


@dataclass(frozen=True)
class CallbackOutcome:
    """Either a redirect to the return URL, or an error page (when there is no return URL to trust)."""

    status: int
    location: str | None = None
    page: str | None = None


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _error_page(message: str) -> CallbackOutcome:
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Connection failed</title></head>"
        f"<body><h1>The connection could not be completed</h1><p>{html.escape(message)}</p>"
        "<p>Start again from the integrations settings.</p></body></html>"
    )
    return CallbackOutcome(status=400, page=page)


def _safe_reason(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum() or ch in "_-.")[:64] or "error"


def callback(arguments: dict[str, str]) -> CallbackOutcome:
    """Handle the provider's redirect: check the state, exchange the code, store the connection."""
    state = arguments.get("state", "")
    if not state or len(state) > 512:
        return _error_page("The request carries no valid state.")
    state_hash = tokens.state_hash(state)
    pending = store.claim_state(state_hash)
    if pending is None:
        return _error_page("This authorization is unknown or was already used.")
    if pending.expires_at <= datetime.now(UTC):
        return _error_page("This authorization expired; it must be completed within 10 minutes.")
    if "error" in arguments:
        reason = _safe_reason(arguments["error"])
        log.info(
            "oauth authorization refused by the provider", reason=reason, provider=pending.provider.value
        )
        return CallbackOutcome(
            status=302, location=_with_query(pending.return_url, status="error", reason=reason)
        )
    code = arguments.get("code", "")
    if not code:
        return CallbackOutcome(
            status=302, location=_with_query(pending.return_url, status="error", reason="missing_code")
        )
    try:
        connection = _exchange(pending, code, state_hash)
    except (errors.AppError, outbound.OutboundError) as error:
        log.warning(
            "oauth code exchange failed", errorType=type(error).__name__, provider=pending.provider.value
        )
        reason = "invalid_grant" if isinstance(error, tokens.InvalidGrant) else "token_exchange_failed"
        return CallbackOutcome(
            status=302, location=_with_query(pending.return_url, status="error", reason=reason)
        )
    return CallbackOutcome(
        status=302,
        location=_with_query(pending.return_url, status="connected", oauthId=connection.id),
    )


def _exchange(pending: OAuthStateDoc, code: str, state_hash: str) -> OAuthConnectionDoc:
    spec, client = resolve(pending.team_id, pending.provider, pending.custom_provider_id)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": pending.redirect_uri}
    if pending.code_verifier:
        verifier = sealed.unseal(paths.oauth_state(state_hash), pending.code_verifier)
        form["code_verifier"] = verifier[CODE_VERIFIER]
    audit = outbound.AuditTarget(
        pending.team_id, pending.integration_id or f"oauth:{spec.id}", pending.user_id
    )
    grant = tokens.token_request(spec, client, form, audit)
    return tokens.save_connection(
        pending.team_id,
        pending.provider,
        pending.custom_provider_id,
        pending.user_id,
        grant.tokens,
        grant.expires_at,
        grant.scopes if grant.scopes is not None else pending.scopes,
        grant.account,
        pending.integration_id,
    )
