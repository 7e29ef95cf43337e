"""The authorization-code flow, bound to the browser that started it.

`oauth_start` (a callable: state + PKCE) answers a launch URL on the callback's origin; `oauth_authorize`
(the launch) gives the browser a random value in a cookie and sends it to the provider; `oauth_callback`
exchanges the code only in the browser holding that value. So a flow completes where it was started,
never in the browser of someone the authorization URL was sent to (login CSRF, RFC 9700 section 4.7).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
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
# Firebase Hosting forwards no other cookie to a function behind a rewrite, so this name is the one
# that works whether the callback is reached at cloudfunctions.net or on the console's own domain.
BROWSER_COOKIE = "__session"
# Flows one browser may have launched and not completed at once; a further launch drops the oldest.
MAX_BROWSER_BINDINGS = 5
# What secrets.token_urlsafe makes: launch tokens and browser bindings (the cookie holds bindings
# joined by "."); anything else in the cookie or the query is not ours and is ignored or refused.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


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


def _state_for(launch: str) -> str:
    """The state the provider carries, derived from the launch token: the launch finds its pending
    state by id, and a state (seen by the provider and the browser's history) does not give the
    launch back."""
    digest = hashlib.sha256(b"oauth-state\x00" + launch.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _origin(url: str) -> str | None:
    """`scheme://host[:port]` as a browser serializes an origin (lower case, no default port)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown_port = f":{port}" if port is not None and port != _DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host.lower()}{shown_port}"


def page_origin(origin_header: str | None, referer_header: str | None) -> str | None:
    """The origin of the page that sent the browser here: `Origin` where the browser sends one (not
    on a plain navigation), else the origin of `Referer`. Pages cannot forge either."""
    if origin_header and origin_header.strip() != "null":
        return _origin(origin_header)
    return _origin(referer_header) if referer_header else None


def start(caller: Caller, data: OAuthStart) -> OAuthStarted:
    """Remember a single-use state for 10 minutes; answer the launch URL that sets the flow off."""
    require_admin(caller, data.team_id)
    _check_return_url(data.return_url)
    if data.integration_id is not None and integration_store.get(data.team_id, data.integration_id) is None:
        raise errors.NotFound("integration not found", field="integrationId")
    spec, client = resolve(data.team_id, data.provider, data.custom_provider_id)
    settings = get_settings()
    if _origin(settings.oauth_authorize_url) != _origin(settings.oauth_callback_url):
        # The cookie the launch sets would never reach the callback: every flow would be refused.
        raise errors.FailedPrecondition("OAUTH_AUTHORIZE_URL must be on the origin of OAUTH_CALLBACK_URL")
    scopes = list(data.scopes) if data.scopes else list(spec.default_scopes)
    launch = secrets.token_urlsafe(32)
    state_hash = tokens.state_hash(_state_for(launch))
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": settings.oauth_callback_url,
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
    separator = "&" if urlsplit(spec.authorization_url).query else "?"
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
            redirect_uri=settings.oauth_callback_url,
            authorization_url=f"{spec.authorization_url}{separator}{urlencode(params)}",
            code_verifier=sealed_verifier,
            created_at=now,
            expires_at=now + STATE_LIFETIME,
            expire_at=now + timedelta(days=1),
        ),
    )
    return OAuthStarted(
        authorization_url=f"{settings.oauth_authorize_url}?{urlencode({'launch': launch})}",
        state_expires_at=now + STATE_LIFETIME,
    )


# ---------------------------------------------------------------- what the browser gets


@dataclass(frozen=True)
class WebOutcome:
    """A redirect or an error page, and what becomes of the browser's bindings cookie: None leaves
    it as it is; otherwise it is set to these bindings (cleared when there are none)."""

    status: int
    location: str | None = None
    page: str | None = None
    browser_bindings: tuple[str, ...] | None = None


def browser_bindings(cookie_value: str | None) -> list[str]:
    """The bindings a browser's cookie holds, oldest first; anything not ours is dropped."""
    return [value for value in (cookie_value or "").split(".") if _TOKEN.match(value)]


def _binding_hash(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _error_page(message: str, status: int = 400) -> WebOutcome:
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Connection failed</title></head>"
        f"<body><h1>The connection could not be completed</h1><p>{html.escape(message)}</p>"
        "<p>Start again from the integrations settings.</p></body></html>"
    )
    return WebOutcome(status=status, page=page)


# ---------------------------------------------------------------- the launch


def authorize(launch: str, opened_from: str | None, cookie_value: str | None) -> WebOutcome:
    """Give the starting browser its binding (a cookie) and send it to the provider's consent page.

    Opened once, within the state's 10 minutes, and only by a page of the origin the user goes back
    to: the console that called `oauth_start`. A launch URL sent to someone else opens from their
    mail or chat, not from that origin, and is refused; a refusal changes nothing.
    """
    if not _TOKEN.match(launch):
        return _error_page("The link carries no valid launch token.")
    state = _state_for(launch)
    state_hash = tokens.state_hash(state)
    found = store.get_state(state_hash)
    if found is None:
        return _error_page("This link is unknown or its connection was already completed.", 404)
    pending, version = found
    now = datetime.now(UTC)
    if pending.expires_at <= now or pending.authorization_url is None:
        return _error_page("This link expired; a connection must be completed within 10 minutes.", 410)
    if opened_from is None or opened_from != _origin(pending.return_url):
        log.warning("oauth launch refused: not opened from the console", provider=pending.provider.value)
        return _error_page(
            "This link works only when the integrations settings page that made it opens it. "
            "If someone sent it to you, do not use it.",
            403,
        )
    if pending.launched_at is not None:
        return _error_page("This link was already used; each one opens once.", 409)
    binding = secrets.token_urlsafe(32)
    if not store.mark_state_launched(state_hash, version, _binding_hash(binding), now):
        return _error_page("This link was already used; each one opens once.", 409)
    kept = browser_bindings(cookie_value)[-(MAX_BROWSER_BINDINGS - 1) :]
    return WebOutcome(
        status=302,
        location=f"{pending.authorization_url}&{urlencode({'state': state})}",
        browser_bindings=(*kept, binding),
    )


# ---------------------------------------------------------------- the callback


def _safe_reason(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum() or ch in "_-.")[:64] or "error"


def _matching_binding(pending: OAuthStateDoc, bindings: list[str]) -> str | None:
    if pending.browser_binding_hash is None:
        return None
    for binding in bindings:
        if hmac.compare_digest(_binding_hash(binding), pending.browser_binding_hash):
            return binding
    return None


def callback(arguments: dict[str, str], cookie_value: str | None) -> WebOutcome:
    """Handle the provider's redirect: check the state and the browser, exchange the code, store the
    connection.

    The state is used up before the browser is checked: a callback refused for its browser leaves
    nothing to retry, so its URL (the victim's code) cannot be replayed in the browser that started
    the flow, which holds the binding.
    """
    state = arguments.get("state", "")
    if not state or len(state) > 512:
        return _error_page("The request carries no valid state.")
    state_hash = tokens.state_hash(state)
    pending = store.claim_state(state_hash)
    if pending is None:
        return _error_page("This authorization is unknown or was already used.")
    if pending.expires_at <= datetime.now(UTC):
        return _error_page("This authorization expired; it must be completed within 10 minutes.")
    bindings = browser_bindings(cookie_value)
    binding = _matching_binding(pending, bindings)
    if binding is None:
        log.warning(
            "oauth callback refused: not the browser that started the flow",
            provider=pending.provider.value,
            teamId=pending.team_id,
            hadCookie=bool(bindings),
        )
        return _error_page(
            "This connection was started in another browser, so nothing was connected. If someone "
            "sent you a link to connect an account, do not use it. Otherwise start again in this "
            "browser, with cookies allowed for this site."
        )
    remaining = tuple(value for value in bindings if value != binding)

    def back(**params: str) -> WebOutcome:
        return WebOutcome(
            status=302, location=_with_query(pending.return_url, **params), browser_bindings=remaining
        )

    if "error" in arguments:
        reason = _safe_reason(arguments["error"])
        log.info(
            "oauth authorization refused by the provider", reason=reason, provider=pending.provider.value
        )
        return back(status="error", reason=reason)
    code = arguments.get("code", "")
    if not code:
        return back(status="error", reason="missing_code")
    try:
        connection = _exchange(pending, code, state_hash)
    except (errors.AppError, outbound.OutboundError) as error:
        log.warning(
            "oauth code exchange failed", errorType=type(error).__name__, provider=pending.provider.value
        )
        reason = "invalid_grant" if isinstance(error, tokens.InvalidGrant) else "token_exchange_failed"
        return back(status="error", reason=reason)
    return back(status="connected", oauthId=connection.id)


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
