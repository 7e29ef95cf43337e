"""OAuth 2.0 connections to third-party providers (seed: ThirdPartyOAuth), and the providers themselves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, Strict, StringConstraints, model_validator

from shared.models.base import (
    DocumentId,
    InputModel,
    Name,
    PublicModel,
    StoredModel,
    TeamId,
    Timestamp,
    refuse_reserved_ids,
)


class OAuthProvider(StrEnum):
    SALESFORCE = "salesforce"
    HUBSPOT = "hubspot"
    SLACK = "slack"
    MICROSOFT = "microsoft"
    GOOGLE = "google"
    CUSTOM = "custom"


class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    REVOKED = "revoked"
    # Refreshing failed on 4 different days: the scheduler stops trying until someone reconnects.
    EXHAUSTED = "exhausted"


Provider = Annotated[OAuthProvider, Strict(False)]
OAuthScope = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\s,]+$")]
Scopes = Annotated[list[OAuthScope], Field(max_length=100)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=16384)]
ProviderSlug = Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
# The provider-side or product-side user the token belongs to; part of the connection's id.
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@+-]+$")]
# A connection's id: `<provider>_<userId, escaped>` (shared/oauth/tokens.py `oauth_id_for`). The provider
# part holds no `_`, and the user part is escaped reversibly into this grammar, so every (provider, user)
# pair has its own id, and any user id a connection can be stored for can be named again to revoke it.
OAuthId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=512, pattern=r"^[A-Za-z0-9_-]+$"),
    AfterValidator(refuse_reserved_ids),
]
Url = Annotated[str, StringConstraints(min_length=8, max_length=2048)]


class _MayNameACustomProvider(InputModel):
    """`customProviderId` goes with provider `custom` only."""

    provider: Provider
    custom_provider_id: ProviderSlug | None = None

    @model_validator(mode="after")
    def _custom_id_only_for_custom(self) -> _MayNameACustomProvider:
        if self.provider is not OAuthProvider.CUSTOM and self.custom_provider_id is not None:
            raise ValueError("customProviderId is only for provider custom")
        return self


class _NamesItsProvider(_MayNameACustomProvider):
    """`customProviderId` is required with provider `custom` and refused with any other."""

    @model_validator(mode="after")
    def _custom_needs_an_id(self) -> _NamesItsProvider:
        if self.provider is OAuthProvider.CUSTOM and self.custom_provider_id is None:
            raise ValueError("customProviderId is required with provider custom")
        return self


class OAuthStart(_NamesItsProvider):
    team_id: TeamId
    integration_id: DocumentId | None = None
    scopes: Scopes | None = None
    return_url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class OAuthTokenStore(_NamesItsProvider):
    """A token obtained elsewhere (seed: storeOAuthToken)."""

    team_id: TeamId
    user_id: UserId
    access_token: Token
    refresh_token: Token | None = None
    expires_at: Timestamp | None = None
    scopes: Scopes = Field(default_factory=list)
    integration_id: DocumentId | None = None
    account: Annotated[dict[str, Any], Field(max_length=20)] = Field(default_factory=dict)


class OAuthTokenQuery(_MayNameACustomProvider):
    """Seed: getOAuthToken(teamId, provider, userId). With provider `custom`, `customProviderId` may be
    left out when the user has exactly one custom connection."""

    team_id: TeamId
    user_id: UserId


class OAuthTokenRefresh(InputModel):
    """With `newToken`, store a token refreshed elsewhere; without, refresh at the provider now."""

    team_id: TeamId
    oauth_id: OAuthId
    new_token: Token | None = None
    new_refresh_token: Token | None = None
    expires_at: Timestamp | None = None

    @model_validator(mode="after")
    def _expiry_goes_with_a_token(self) -> OAuthTokenRefresh:
        if self.new_token is None and (self.expires_at is not None or self.new_refresh_token is not None):
            raise ValueError("expiresAt and newRefreshToken go with newToken")
        return self


class OAuthConnectionRef(InputModel):
    team_id: TeamId
    oauth_id: OAuthId


class OAuthConnectionDoc(StoredModel):
    """`teams/{teamId}/oauthTokens/{id}`: metadata; tokens are sealed in `secrets/oauth_...`."""

    id: str
    team_id: str
    provider: OAuthProvider
    custom_provider_id: str | None = None
    integration_id: str | None = None
    user_id: str
    scopes: list[str] = Field(default_factory=list)
    status: ConnectionStatus = ConnectionStatus.ACTIVE
    expires_at: datetime | None = None
    # Facts about the provider account the token belongs to (Salesforce `instance_url`, Slack team...).
    account: dict[str, Any] = Field(default_factory=dict)
    access_token_hint: str | None = None
    has_refresh_token: bool = False
    created_at: datetime
    updated_at: datetime
    last_refreshed_at: datetime
    # When the provider last answered a refresh grant for the current token (None when the token
    # came from the code exchange or from elsewhere): a forced refresh within 60 s of it takes it.
    last_refresh_grant_at: datetime | None = None
    # Refresh failures: the UTC days they happened on, and when the next attempt may be made.
    failure_days: list[str] = Field(default_factory=list)
    refresh_not_before: datetime | None = None
    last_error: str | None = None


class OAuthConnectionPublic(PublicModel):
    id: str
    team_id: str
    provider: OAuthProvider
    custom_provider_id: str | None = None
    integration_id: str | None = None
    user_id: str
    scopes: list[str]
    status: ConnectionStatus
    expires_at: datetime | None = None
    account: dict[str, Any]
    # Masked, e.g. `ya29…x9Qz`: enough to tell tokens apart, never enough to use one.
    access_token: str | None = None
    has_refresh_token: bool
    created_at: datetime
    updated_at: datetime
    last_refreshed_at: datetime
    last_error: str | None = None


class OAuthRevoked(PublicModel):
    id: str
    status: ConnectionStatus
    # Whether the provider was told (false when it has no revocation endpoint or it failed).
    revoked_at_provider: bool


class OAuthStarted(PublicModel):
    authorization_url: str
    state_expires_at: datetime


class OAuthStateDoc(StoredModel):
    """`oauthStates/{sha256 of state}`: one pending authorization, single use, 10 minutes. Server only.

    The state is derived from the launch token `oauth_start` answers (shared/oauth/flow.py), so the
    launch finds this document without a query, and neither the state nor the launch is stored."""

    team_id: str
    user_id: str
    provider: OAuthProvider
    custom_provider_id: str | None = None
    integration_id: str | None = None
    scopes: list[str]
    return_url: str
    redirect_uri: str
    # The provider's authorization URL with every parameter but `state` (none of them secret): the
    # launch adds the state and sends the browser there. None in states made before launches existed.
    authorization_url: str | None = None
    # The PKCE verifier, sealed (None when the provider does not do PKCE).
    code_verifier: dict[str, str] | None = None
    created_at: datetime
    expires_at: datetime
    # Set once, by the launch: when it happened, and the SHA-256 of the random value it gave the
    # browser in a cookie. The callback completes only in a browser holding that value.
    launched_at: datetime | None = None
    browser_binding_hash: str | None = None
    # TTL cleanup of states nobody came back for.
    expire_at: datetime


# ---------------------------------------------------------------- providers


class ProviderSpec(StoredModel):
    """How to talk OAuth to one provider: built-in ones are data in providers.json, custom ones per team."""

    id: str
    name: str
    authorization_url: str
    token_url: str
    revocation_url: str | None = None
    # rfc7009: POST token=...; slack: auth.revoke with the token as bearer; hubspot_delete: DELETE the
    # refresh token's URL.
    revocation_style: Literal["rfc7009", "slack", "hubspot_delete"] | None = None
    default_scopes: list[str] = Field(default_factory=list)
    scope_separator: str = " "
    pkce: bool = True
    extra_authorization_params: dict[str, str] = Field(default_factory=dict)
    account_fields: list[str] = Field(default_factory=list)
    default_token_lifetime_seconds: int | None = None


class CustomProviderSet(InputModel):
    """Create or replace a team's custom OAuth 2.0 provider. `clientSecret` is kept when left out."""

    team_id: TeamId
    provider_id: ProviderSlug
    name: Name
    authorization_url: Url
    token_url: Url
    revocation_url: Url | None = None
    scopes: Scopes = Field(default_factory=list)
    scope_separator: Literal[" ", ","] = " "
    pkce: bool = True
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    client_secret: Annotated[str, StringConstraints(min_length=1, max_length=4096)] | None = None


class CustomProviderListQuery(InputModel):
    team_id: TeamId


class CustomProviderDoc(StoredModel):
    """`teams/{teamId}/oauthProviders/{providerId}`; the client secret is sealed under `secrets/`."""

    id: str
    team_id: str
    name: str
    authorization_url: str
    token_url: str
    revocation_url: str | None = None
    scopes: list[str] = Field(default_factory=list)
    scope_separator: str = " "
    pkce: bool = True
    client_id: str
    has_client_secret: bool = False
    created_at: datetime
    updated_at: datetime


class CustomProviderPublic(PublicModel):
    id: str
    team_id: str
    name: str
    authorization_url: str
    token_url: str
    revocation_url: str | None = None
    scopes: list[str]
    scope_separator: str
    pkce: bool
    client_id: str
    has_client_secret: bool
    created_at: datetime
    updated_at: datetime
