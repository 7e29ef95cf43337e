"""OAuth 2.0 connections to third-party providers (seed: ThirdPartyOAuth)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, Strict, StringConstraints

from shared.models.base import DocumentId, InputModel, PublicModel, StoredModel, TeamId, Timestamp


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
    EXHAUSTED = "exhausted"


Provider = Annotated[OAuthProvider, Strict(False)]
OAuthScope = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=16384)]
ProviderSlug = Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class OAuthStart(InputModel):
    team_id: TeamId
    provider: Provider
    custom_provider_id: ProviderSlug | None = None
    integration_id: DocumentId | None = None
    scopes: Annotated[list[OAuthScope], Field(max_length=100)] | None = None
    return_url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class OAuthTokenStore(InputModel):
    """A token obtained elsewhere (seed: storeOAuthToken)."""

    team_id: TeamId
    provider: Provider
    custom_provider_id: ProviderSlug | None = None
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    access_token: Token
    refresh_token: Token | None = None
    expires_at: Timestamp | None = None
    scopes: Annotated[list[OAuthScope], Field(max_length=100)] = Field(default_factory=list)
    integration_id: DocumentId | None = None


class OAuthTokenQuery(InputModel):
    team_id: TeamId
    provider: Provider
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class OAuthTokenRefresh(InputModel):
    """With `newToken`, store a token refreshed elsewhere; without, refresh at the provider now."""

    team_id: TeamId
    connection_id: DocumentId
    new_token: Token | None = None
    expires_at: Timestamp | None = None


class OAuthTokenRevoke(InputModel):
    team_id: TeamId
    connection_id: DocumentId


class OAuthConnectionDoc(StoredModel):
    """`teams/{teamId}/oauthConnections/{id}`: metadata; tokens are encrypted under `secrets/`."""

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
    last_refreshed_at: datetime | None = None
    failure_days: list[str] = Field(default_factory=list)
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
    last_refreshed_at: datetime | None = None
    last_error: str | None = None


class OAuthStarted(PublicModel):
    authorization_url: str
    state_expires_at: datetime
