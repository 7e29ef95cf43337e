"""OAuth tokens: stored sealed, handed out fresh, refreshed by exactly one worker, revoked at the provider.

The refresh race (the field's most reported bug) is closed in two layers: threads of one instance
queue on a per-connection lock, and instances compete for a lease document (`oauthLeases/...`) taken
with `create()`. Whoever holds the lease re-reads the connection before calling the provider, so a
worker that waited finds the token another one just refreshed and makes no call of its own. A forced
refresh that begins shortly after another one completed takes its token too (`refresh`): requests sent
together do not all begin together (a cold instance starts its requests late).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from shared import errors, events, ids, log, outbound, sealed
from shared.auth import Caller, require_admin, require_member
from shared.connectors import slack
from shared.crypto import mask
from shared.models.oauth import (
    ConnectionStatus,
    OAuthConnectionDoc,
    OAuthConnectionPublic,
    OAuthConnectionRef,
    OAuthProvider,
    OAuthRevoked,
    OAuthTokenQuery,
    OAuthTokenRefresh,
    OAuthTokenStore,
    ProviderSpec,
)
from shared.models.teams import Role
from shared.oauth.providers import ClientCredentials, connection_provider_key, resolve
from shared.store import oauth as store
from shared.store import paths
from shared.store import secrets as secret_store

ACCESS_TOKEN = "accessToken"
REFRESH_TOKEN = "refreshToken"
# Hand out a token only when it lives at least this long; refresh it first otherwise.
FRESHNESS_MARGIN = timedelta(minutes=5)
LEASE_TTL = timedelta(seconds=30)
LEASE_WAIT = timedelta(seconds=20)
LEASE_POLL_SECONDS = 0.1
RETRY_AFTER_FAILURE = timedelta(seconds=30)
# A forced refresh that begins this soon after a refresh grant completed is answered with that grant's
# token. Requests sent at once reach our code up to seconds apart: a cold instance holds its requests
# while it starts (the functions emulator starts one process per concurrent request; 20 at once on a
# loaded 2-core machine began over 14 s, the last 10 s after the first refresh had completed).
FORCED_REFRESH_WINDOW = timedelta(seconds=60)
FAILING_DAYS_LIMIT = 4


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None


class InvalidGrant(errors.FailedPrecondition):
    """The provider refused the refresh token: only the user reconnecting can fix it."""


# ---------------------------------------------------------------- storage


def oauth_id_for(provider: OAuthProvider, custom_provider_id: str | None, user_id: str) -> str:
    """One connection per provider and user in a team (reconnecting replaces the tokens):
    `hubspot_alice_40example_2ecom` for HubSpot user `alice@example.com`. The provider key holds no
    `_`, and the user id is escaped reversibly, so no two pairs share an id (models/oauth.py OAuthId)."""
    return f"{connection_provider_key(provider, custom_provider_id)}_{ids.escape_segment(user_id)}"


def load_tokens(connection: OAuthConnectionDoc) -> Tokens | None:
    owner = paths.oauth_token_secrets(connection.team_id, connection.id)
    secrets = sealed.unseal(owner, secret_store.get_sealed(owner))
    if ACCESS_TOKEN not in secrets:
        return None
    return Tokens(access_token=secrets[ACCESS_TOKEN], refresh_token=secrets.get(REFRESH_TOKEN))


def save_tokens(team_id: str, oauth_id: str, tokens: Tokens) -> None:
    owner = paths.oauth_token_secrets(team_id, oauth_id)
    values = {ACCESS_TOKEN: tokens.access_token}
    if tokens.refresh_token:
        values[REFRESH_TOKEN] = tokens.refresh_token
    encrypted, key_version = sealed.seal(owner, values)
    secret_store.put_sealed(owner, encrypted, key_version)


def to_public(connection: OAuthConnectionDoc) -> OAuthConnectionPublic:
    return OAuthConnectionPublic(
        **connection.model_dump(
            exclude={"access_token_hint", "failure_days", "refresh_not_before", "last_refresh_grant_at"},
        ),
        access_token=connection.access_token_hint,
    )


def save_connection(
    team_id: str,
    provider: OAuthProvider,
    custom_provider_id: str | None,
    user_id: str,
    tokens: Tokens,
    expires_at: datetime | None,
    scopes: list[str],
    account: dict[str, Any],
    integration_id: str | None,
) -> OAuthConnectionDoc:
    """Store a connection and its tokens (tokens first: metadata never points at missing tokens)."""
    oauth_id = oauth_id_for(provider, custom_provider_id, user_id)
    existing = store.get_connection(team_id, oauth_id)
    now = datetime.now(UTC)
    save_tokens(team_id, oauth_id, tokens)
    connection = OAuthConnectionDoc(
        id=oauth_id,
        team_id=team_id,
        provider=provider,
        custom_provider_id=custom_provider_id,
        integration_id=integration_id,
        user_id=user_id,
        scopes=scopes,
        status=ConnectionStatus.ACTIVE,
        expires_at=expires_at,
        account=account,
        access_token_hint=mask(tokens.access_token),
        has_refresh_token=bool(tokens.refresh_token),
        created_at=existing.created_at if existing else now,
        updated_at=now,
        last_refreshed_at=now,
    )
    store.put_connection(connection)
    return connection


# ---------------------------------------------------------------- the provider's token endpoint


def _expiry(answer: dict[str, Any], spec: ProviderSpec) -> datetime | None:
    lifetime = answer.get("expires_in", spec.default_token_lifetime_seconds)
    try:
        return datetime.now(UTC) + timedelta(seconds=int(lifetime)) if lifetime is not None else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Grant:
    """What a token endpoint answered, parsed."""

    tokens: Tokens
    expires_at: datetime | None
    scopes: list[str] | None
    account: dict[str, Any]


def token_request(
    spec: ProviderSpec,
    client: ClientCredentials,
    form: dict[str, str],
    audit: outbound.AuditTarget,
    previous_refresh_token: str | None = None,
) -> Grant:
    """POST a grant to the token endpoint; InvalidGrant or OutboundError/Unavailable when it fails."""
    body = {**form, "client_id": client.client_id, "client_secret": client.client_secret}
    secrets = [value for value in (*form.values(), client.client_secret) if value]
    response = outbound.client().send(
        outbound.OutboundRequest(
            "POST",
            spec.token_url,
            headers={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
            data=urlencode(body),
            secrets=secrets,
            # A code can be exchanged once; a retried exchange would only see invalid_grant.
            retry=form.get("grant_type") != "authorization_code",
        ),
        audit,
    )
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    # Slack answers errors with HTTP 200 and {"ok": false, "error": ...}.
    error_code = answer.get("error") if (not response.ok or answer.get("ok") is False) else None
    if error_code == "invalid_grant" or (error_code in {"invalid_refresh_token", "token_revoked"}):
        raise InvalidGrant("the provider refused the grant: the user must connect again")
    if not response.ok or error_code or not isinstance(answer.get("access_token"), str):
        reason = error_code if isinstance(error_code, str) else f"HTTP {response.status_code}"
        raise errors.Unavailable(f"the token endpoint refused the request ({reason[:80]})")
    refresh_token = answer.get("refresh_token") if isinstance(answer.get("refresh_token"), str) else None
    scope_text = answer.get("scope")
    scopes = None
    if isinstance(scope_text, str):
        scopes = [scope for scope in scope_text.replace(",", " ").split() if scope]
    return Grant(
        # Keep the old refresh token when the provider sends none (most do not rotate).
        tokens=Tokens(
            access_token=answer["access_token"], refresh_token=refresh_token or previous_refresh_token
        ),
        expires_at=_expiry(answer, spec),
        scopes=scopes,
        account={field: answer[field] for field in spec.account_fields if field in answer},
    )


# ---------------------------------------------------------------- fresh tokens, refreshed once


_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(team_id: str, oauth_id: str) -> threading.Lock:
    key = f"{team_id}/{oauth_id}"
    with _process_locks_guard:
        return _process_locks.setdefault(key, threading.Lock())


def _is_fresh(connection: OAuthConnectionDoc, now: datetime) -> bool:
    return connection.expires_at is None or connection.expires_at > now + FRESHNESS_MARGIN


def load_connection(team_id: str, oauth_id: str) -> OAuthConnectionDoc:
    connection = store.get_connection(team_id, oauth_id)
    if connection is None:
        raise errors.NotFound("OAuth connection not found", field="oauthId")
    return connection


def _usable(connection: OAuthConnectionDoc) -> None:
    if connection.status is ConnectionStatus.NEEDS_REAUTH:
        raise errors.FailedPrecondition("the connection needs to be authorized again", field="oauthId")
    if (
        connection.status is not ConnectionStatus.ACTIVE
        and connection.status is not ConnectionStatus.EXHAUSTED
    ):
        raise errors.FailedPrecondition(f"the connection is {connection.status.value}", field="oauthId")


def access_token_for(team_id: str, oauth_id: str, user_id: str = "system") -> str:
    """A valid access token for the connection, refreshed first when it expires within 5 minutes."""
    connection = load_connection(team_id, oauth_id)
    _usable(connection)
    now = datetime.now(UTC)
    if _is_fresh(connection, now):
        tokens = load_tokens(connection)
        if tokens is None:
            raise errors.FailedPrecondition("the connection has no token", field="oauthId")
        return tokens.access_token
    return refresh(team_id, oauth_id, user_id=user_id).access_token


def _refreshed_for(connection: OAuthConnectionDoc, requested_at: datetime) -> bool:
    """Whether the current token answers a forced refresh that began at `requested_at`: it was
    refreshed (or stored) after that, or a refresh grant completed at most FORCED_REFRESH_WINDOW before."""
    if connection.last_refreshed_at >= requested_at:
        return True
    granted_at = connection.last_refresh_grant_at
    return granted_at is not None and granted_at >= requested_at - FORCED_REFRESH_WINDOW


def refresh(team_id: str, oauth_id: str, *, force: bool = False, user_id: str = "system") -> Tokens:
    """Refresh the connection's token, unless someone else just did: then answer theirs.

    Without `force`, a token that is still fresh is answered as it is. With it ("refresh at the
    provider now": `oauth_tokens_refresh` without `newToken`, the scheduled refresh), the guarantee is:
    - callers that overlap one refresh (they began before it completed) all get its token;
    - a forced refresh that begins within FORCED_REFRESH_WINDOW (60 s) after a refresh grant completed
      gets that grant's token, and makes no request of its own;
    - so any number of forced refreshes of one connection, from any number of instances, that begin
      no later than 60 s after the first one's grant completed, make exactly one token request.
    Only a grant at the provider counts for the window: after a code exchange or a token stored from
    elsewhere (`newToken`), a forced refresh calls the provider. Either way, the token answered is
    fresh (it lives 5 more minutes), else the provider is called.
    """
    requested_at = datetime.now(UTC)

    def satisfied(connection: OAuthConnectionDoc) -> Tokens | None:
        if not _is_fresh(connection, datetime.now(UTC)):
            return None
        if force and not _refreshed_for(connection, requested_at):
            return None
        return load_tokens(connection)

    with _process_lock(team_id, oauth_id):
        tokens = satisfied(load_connection(team_id, oauth_id))
        if tokens is not None:
            return tokens
        holder = uuid.uuid4().hex
        deadline = time.monotonic() + LEASE_WAIT.total_seconds()
        while not store.take_lease(team_id, oauth_id, holder, LEASE_TTL):
            time.sleep(LEASE_POLL_SECONDS)
            tokens = satisfied(load_connection(team_id, oauth_id))
            if tokens is not None:
                return tokens
            if time.monotonic() > deadline:
                raise errors.Unavailable("another refresh of this connection is taking too long; try again")
        try:
            # Re-read after taking the lease: the previous holder may have refreshed already.
            current = load_connection(team_id, oauth_id)
            tokens = satisfied(current)
            if tokens is not None:
                return tokens
            return _refresh_at_provider(current, user_id)
        finally:
            store.release_lease(team_id, oauth_id, holder)


def _refresh_at_provider(connection: OAuthConnectionDoc, user_id: str) -> Tokens:
    _usable(connection)
    tokens = load_tokens(connection)
    if tokens is None or not tokens.refresh_token:
        raise errors.FailedPrecondition("the connection has no refresh token", field="oauthId")
    spec, client = resolve(connection.team_id, connection.provider, connection.custom_provider_id)
    audit = outbound.AuditTarget(
        connection.team_id, connection.integration_id or f"oauth:{connection.id}", user_id
    )
    try:
        grant = token_request(
            spec,
            client,
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
            audit,
            previous_refresh_token=tokens.refresh_token,
        )
    except InvalidGrant:
        _mark_needs_reauth(connection)
        raise
    except (errors.Unavailable, outbound.OutboundError) as error:
        _record_failure(connection, error.message)
        raise errors.Unavailable(f"refreshing the token failed: {error.message}") from None
    save_tokens(connection.team_id, connection.id, grant.tokens)
    now = datetime.now(UTC)
    store.update_connection(
        connection.team_id,
        connection.id,
        {
            "expiresAt": grant.expires_at,
            "accessTokenHint": mask(grant.tokens.access_token),
            "hasRefreshToken": bool(grant.tokens.refresh_token),
            "lastRefreshedAt": now,
            "lastRefreshGrantAt": now,
            "updatedAt": now,
            "status": ConnectionStatus.ACTIVE.value,
            "failureDays": [],
            "refreshNotBefore": None,
            "lastError": None,
            **({"scopes": grant.scopes} if grant.scopes else {}),
            **({"account": {**connection.account, **grant.account}} if grant.account else {}),
        },
    )
    log.info("oauth token refreshed", oauthId=connection.id, provider=connection.provider.value)
    return grant.tokens


def _mark_needs_reauth(connection: OAuthConnectionDoc) -> None:
    now = datetime.now(UTC)
    store.update_connection(
        connection.team_id,
        connection.id,
        {"status": ConnectionStatus.NEEDS_REAUTH.value, "updatedAt": now, "lastError": "invalid_grant"},
    )
    # One event per connection and day, however many workers saw the refusal.
    events.emit(
        connection.team_id,
        "connection.needs_reauth",
        {"id": connection.id, "provider": connection.provider.value, "userId": connection.user_id},
        event_id=f"connection.needs_reauth-{connection.id}-{now.date().isoformat()}",
    )
    log.warning("oauth connection needs reauthorization", oauthId=connection.id)


def _record_failure(connection: OAuthConnectionDoc, reason: str) -> None:
    now = datetime.now(UTC)
    days = sorted({*connection.failure_days, now.date().isoformat()})
    fields: dict[str, Any] = {
        "failureDays": days,
        "refreshNotBefore": now + RETRY_AFTER_FAILURE,
        "lastError": reason[:200],
        "updatedAt": now,
    }
    if len(days) >= FAILING_DAYS_LIMIT:
        fields["status"] = ConnectionStatus.EXHAUSTED.value
    store.update_connection(connection.team_id, connection.id, fields)
    log.warning("oauth refresh failed", oauthId=connection.id, failingDays=len(days))


def refresh_if_due(team_id: str, oauth_id: str, now: datetime | None = None) -> str:
    """The scheduled refresh of one connection; answers what it did. Safe to run any number of times."""
    now = now or datetime.now(UTC)
    connection = store.get_connection(team_id, oauth_id)
    if (
        connection is None
        or connection.status is not ConnectionStatus.ACTIVE
        or not connection.has_refresh_token
    ):
        return "skipped"
    if connection.refresh_not_before is not None and connection.refresh_not_before > now:
        return "waiting"
    if not is_due(connection, now):
        return "fresh"
    try:
        refresh(team_id, oauth_id, force=True)
    except InvalidGrant:
        return "needs_reauth"
    return "refreshed"


# Refresh 15 minutes before expiry, and at least once a day (some providers drop idle refresh tokens).
REFRESH_AHEAD = timedelta(minutes=15)
REFRESH_AT_LEAST_EVERY = timedelta(hours=24)


def is_due(connection: OAuthConnectionDoc, now: datetime) -> bool:
    expiring = connection.expires_at is not None and connection.expires_at <= now + REFRESH_AHEAD
    stale = connection.last_refreshed_at <= now - REFRESH_AT_LEAST_EVERY
    return expiring or stale


# ---------------------------------------------------------------- the callables


def store_token(caller: Caller, data: OAuthTokenStore) -> OAuthConnectionPublic:
    """Store a token obtained elsewhere. An admin stores their own (`userId` is their uid); an owner may
    store one for any user, but never over another user's live connection (revoke it first)."""
    role = require_admin(caller, data.team_id)
    for_someone_else = data.user_id != caller.uid
    if for_someone_else and role is not Role.OWNER:
        raise errors.PermissionDenied("only an owner may store a token for another user", field="userId")
    if data.provider is OAuthProvider.CUSTOM:
        resolve(data.team_id, data.provider, data.custom_provider_id)  # the provider must exist
    existing = store.get_connection(
        data.team_id, oauth_id_for(data.provider, data.custom_provider_id, data.user_id)
    )
    if for_someone_else and existing is not None and existing.status is not ConnectionStatus.REVOKED:
        raise errors.AlreadyExists(
            "this user has a connection to this provider: revoke it before storing another", field="userId"
        )
    connection = save_connection(
        data.team_id,
        data.provider,
        data.custom_provider_id,
        data.user_id,
        Tokens(access_token=data.access_token, refresh_token=data.refresh_token),
        data.expires_at,
        list(data.scopes),
        dict(data.account),
        data.integration_id,
    )
    return to_public(connection)


def get_token(caller: Caller, data: OAuthTokenQuery) -> OAuthConnectionPublic:
    require_member(caller, data.team_id)
    if data.provider is OAuthProvider.CUSTOM and data.custom_provider_id is None:
        return to_public(_only_custom_connection(data.team_id, data.user_id))
    oauth_id = oauth_id_for(data.provider, data.custom_provider_id, data.user_id)
    return to_public(load_connection(data.team_id, oauth_id))


def _only_custom_connection(team_id: str, user_id: str) -> OAuthConnectionDoc:
    """The seed's getOAuthToken(teamId, "custom", userId) names no provider: unambiguous only when the
    user has exactly one custom connection."""
    found = store.user_connections(team_id, OAuthProvider.CUSTOM, user_id, limit=2)
    if not found:
        raise errors.NotFound("OAuth connection not found", field="userId")
    if len(found) > 1:
        raise errors.InvalidArgument(
            "the user has several custom connections: give customProviderId", field="customProviderId"
        )
    return found[0]


def refresh_token(caller: Caller, data: OAuthTokenRefresh) -> OAuthConnectionPublic:
    require_admin(caller, data.team_id)
    connection = load_connection(data.team_id, data.oauth_id)
    if data.new_token is not None:
        current = load_tokens(connection)
        tokens = Tokens(
            access_token=data.new_token,
            refresh_token=data.new_refresh_token or (current.refresh_token if current else None),
        )
        save_tokens(data.team_id, data.oauth_id, tokens)
        now = datetime.now(UTC)
        store.update_connection(
            data.team_id,
            data.oauth_id,
            {
                "expiresAt": data.expires_at,
                "accessTokenHint": mask(tokens.access_token),
                "hasRefreshToken": bool(tokens.refresh_token),
                "lastRefreshedAt": now,
                # Not a grant at the provider: a forced refresh after this one calls the provider.
                "lastRefreshGrantAt": None,
                "updatedAt": now,
                "status": ConnectionStatus.ACTIVE.value,
                "failureDays": [],
                "refreshNotBefore": None,
                "lastError": None,
            },
        )
    else:
        refresh(data.team_id, data.oauth_id, force=True, user_id=caller.uid)
    return to_public(load_connection(data.team_id, data.oauth_id))


def revoke_token(caller: Caller, data: OAuthConnectionRef) -> OAuthRevoked:
    """Tell the provider (where it has an endpoint), delete the tokens, mark revoked. Idempotent."""
    require_admin(caller, data.team_id)
    connection = load_connection(data.team_id, data.oauth_id)
    tokens = load_tokens(connection)
    told_provider = False
    if tokens is not None:
        told_provider = _revoke_at_provider(connection, tokens, caller.uid)
        secret_store.delete_document(paths.oauth_token_secrets(data.team_id, data.oauth_id))
    if connection.status is not ConnectionStatus.REVOKED:
        now = datetime.now(UTC)
        store.update_connection(
            data.team_id,
            data.oauth_id,
            {
                "status": ConnectionStatus.REVOKED.value,
                "updatedAt": now,
                "accessTokenHint": None,
                "hasRefreshToken": False,
            },
        )
    return OAuthRevoked(id=connection.id, status=ConnectionStatus.REVOKED, revoked_at_provider=told_provider)


def _revoke_at_provider(connection: OAuthConnectionDoc, tokens: Tokens, user_id: str) -> bool:
    try:
        spec, client = resolve(connection.team_id, connection.provider, connection.custom_provider_id)
    except errors.AppError:
        return False
    if spec.revocation_url is None or spec.revocation_style is None:
        return False
    audit = outbound.AuditTarget(
        connection.team_id, connection.integration_id or f"oauth:{connection.id}", user_id
    )
    token = tokens.refresh_token or tokens.access_token
    secrets = [
        tokens.access_token,
        client.client_secret,
        *([tokens.refresh_token] if tokens.refresh_token else []),
    ]
    if spec.revocation_style == "hubspot_delete":
        if not tokens.refresh_token:
            return False
        request = outbound.OutboundRequest(
            "DELETE",
            spec.revocation_url.replace("{refresh_token}", quote(tokens.refresh_token, safe="")),
            secrets=secrets,
        )
    elif spec.revocation_style == "slack":
        request = outbound.OutboundRequest(
            "POST",
            spec.revocation_url,
            headers={"Authorization": f"Bearer {tokens.access_token}"},
            secrets=secrets,
        )
    else:
        form = {"token": token, "client_id": client.client_id, "client_secret": client.client_secret}
        request = outbound.OutboundRequest(
            "POST",
            spec.revocation_url,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            data=urlencode(form),
            secrets=secrets,
        )
    try:
        response = outbound.client().send(request, audit)
    except outbound.OutboundError:
        return False
    if spec.revocation_style == "slack":
        return slack.answered_ok(response)  # Slack refuses with HTTP 200 and {"ok": false}
    return response.ok


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()
