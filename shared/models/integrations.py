"""Integrations of five types, their per-type configuration, and the credentials taken out of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, StringConstraints

from shared.models.base import (
    Cursor,
    Description,
    DocumentId,
    InputModel,
    ListLimit,
    Name,
    PublicModel,
    StoredModel,
    TeamId,
    not_null,
    requires_a_change,
)
from shared.models.oauth import OAuthId


class IntegrationType(StrEnum):
    ZAPIER = "zapier"
    SLACK = "slack"
    REST = "rest"
    GRAPHQL = "graphql"
    WEBHOOK = "webhook"


class IntegrationStatus(StrEnum):
    ACTIVE = "active"
    ERROR = "error"
    DISABLED = "disabled"


Url = Annotated[str, StringConstraints(min_length=8, max_length=2048)]
HeaderName = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
]
HeaderValue = Annotated[str, StringConstraints(max_length=4096)]
# `ticket.created`, a whole group `ticket.*`, or everything `*`.
EventType = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^(\*|[a-z_]+\.(\*|[a-z_]+))$")
]


class AuthType(StrEnum):
    NONE = "none"
    BEARER = "bearer"
    BASIC = "basic"
    HEADER = "header"
    OAUTH = "oauth"


class OutboundAuth(InputModel):
    """How REST and GraphQL calls authenticate; secret fields are stored encrypted, never answered."""

    type: Annotated[AuthType, Strict(False)] = AuthType.NONE
    token: Annotated[str, StringConstraints(min_length=1, max_length=8192)] | None = None
    username: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = None
    header_name: HeaderName | None = None
    header_value: HeaderValue | None = None
    oauth_id: OAuthId | None = None


class HealthCheck(InputModel):
    method: Literal["GET", "HEAD", "POST"] = "GET"
    path: Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=r"^/")] = "/"
    expect_status: Annotated[int, Field(ge=100, le=599)] = 200


# Product events an integration receives (outgoing deliveries); empty means none.
Subscriptions = Annotated[list[EventType], Field(max_length=100)]
# Event types a third party may send in (incoming webhooks): theirs, so a looser shape ("app_mention",
# "contact.propertyChange", "slash_command"); "*" accepts all. Others are stored and ignored.
IncomingEventType = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:*-]+$")
]
IncomingEvents = Annotated[list[IncomingEventType], Field(max_length=100)]
# Secrets third parties sign incoming webhooks with, or send as a shared token.
IncomingSecret = Annotated[str, StringConstraints(min_length=8, max_length=1024)]


class SlackConfig(InputModel):
    webhook_url: Url | None = None
    oauth_id: OAuthId | None = None
    channel: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None
    events: Subscriptions = Field(default_factory=list)
    # The Slack app's signing secret: verifies `webhook_slack` requests (v0 signatures).
    signing_secret: IncomingSecret | None = None
    incoming_events: IncomingEvents = Field(default_factory=lambda: ["*"])


class ZapierConfig(InputModel):
    hook_url: Url
    events: Subscriptions = Field(default_factory=list)
    # Zapier actions calling `webhook_zapier` send this shared token (`X-Zapier-Token`).
    incoming_token: IncomingSecret | None = None
    incoming_events: IncomingEvents = Field(default_factory=lambda: ["*"])


class RestConfig(InputModel):
    base_url: Url
    auth: OutboundAuth = OutboundAuth()
    headers: dict[HeaderName, HeaderValue] = Field(default_factory=dict, max_length=50)
    health_check: HealthCheck = HealthCheck()
    # The service's webhook signing secret (for HubSpot, the app's client secret): verifies
    # `webhook_hubspot` requests naming this integration.
    webhook_secret: IncomingSecret | None = None
    incoming_events: IncomingEvents = Field(default_factory=lambda: ["*"])


class GraphqlConfig(InputModel):
    endpoint: Url
    auth: OutboundAuth = OutboundAuth()
    headers: dict[HeaderName, HeaderValue] = Field(default_factory=dict, max_length=50)


class WebhookConfig(InputModel):
    """The seed's "receive events via webhooks": without `url` the integration only receives
    (`webhook_generic`); with `url` and `events` it also sends those events there."""

    url: Url | None = None
    events: Subscriptions = Field(default_factory=list)
    # Incoming events `webhook_generic` accepts for this integration (signed with its signing secret).
    incoming_events: IncomingEvents = Field(default_factory=lambda: ["*"])


IntegrationConfig = SlackConfig | ZapierConfig | RestConfig | GraphqlConfig | WebhookConfig

CONFIG_MODELS: dict[IntegrationType, type[InputModel]] = {
    IntegrationType.SLACK: SlackConfig,
    IntegrationType.ZAPIER: ZapierConfig,
    IntegrationType.REST: RestConfig,
    IntegrationType.GRAPHQL: GraphqlConfig,
    IntegrationType.WEBHOOK: WebhookConfig,
}


MarketplaceId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class IntegrationCreate(InputModel):
    """`config` is validated against the model of `type` (errors name `config.<field>`)."""

    team_id: TeamId
    type: Annotated[IntegrationType, Strict(False)]
    name: Name
    description: Description | None = None
    enabled: bool = True
    config: dict[str, Any]
    # The catalogue entry it was made from (an id of `marketplace_list`), kept for good: it tells the
    # sync engine that a `rest` integration is HubSpot or Salesforce.
    marketplace_id: MarketplaceId | None = None


class IntegrationUpdate(InputModel):
    """`config` is merged over the current configuration: give only what changes; null removes a field."""

    team_id: TeamId
    integration_id: DocumentId
    name: Name | None = None
    description: Description | None = None
    enabled: bool | None = None
    config: dict[str, Any] | None = None

    _not_null = not_null("name", "enabled", "config")
    _requires_a_change = requires_a_change("team_id", "integration_id")


class IntegrationDeleted(PublicModel):
    id: str
    deleted: Literal[True] = True
    # False when there was nothing to delete (a repeated call): deleting is idempotent.
    existed: bool


class IntegrationRef(InputModel):
    team_id: TeamId
    integration_id: DocumentId


class IntegrationListQuery(InputModel):
    team_id: TeamId
    type: Annotated[IntegrationType, Strict(False)] | None = None
    limit: ListLimit = 50
    cursor: Cursor | None = None


class TestResult(PublicModel):
    __test__ = False  # not a pytest test class, despite the name
    success: bool
    message: str
    status_code: int | None = None
    duration_ms: float


class IntegrationDoc(StoredModel):
    """`teams/{teamId}/integrations/{id}`: the non-secret configuration and the last test result."""

    id: str
    team_id: str
    type: IntegrationType
    name: str
    description: str | None = None
    enabled: bool = True
    status: IntegrationStatus = IntegrationStatus.ACTIVE
    # The configuration with every secret replaced by its mask; the secrets live in `secrets/`.
    config: dict[str, Any]
    marketplace_id: str | None = None
    secret_fields: list[str] = Field(default_factory=list)
    created_at: datetime
    created_by: str
    updated_at: datetime
    last_tested_at: datetime | None = None
    last_test_result: dict[str, Any] | None = None
    last_sync_at: datetime | None = None
    # Webhook integrations: until when the secret replaced by a rotation still signs deliveries.
    previous_secret_expires_at: datetime | None = None
    # Since when deliveries to it keep failing (cleared by a success); 5 days of it disables it.
    delivery_failing_since: datetime | None = None


class IntegrationPublic(PublicModel):
    id: str
    team_id: str
    type: IntegrationType
    name: str
    description: str | None = None
    enabled: bool
    status: IntegrationStatus
    config: dict[str, Any]
    marketplace_id: str | None = None
    created_at: datetime
    created_by: str
    updated_at: datetime
    last_tested_at: datetime | None = None
    last_test_result: TestResult | None = None
    last_sync_at: datetime | None = None
    previous_secret_expires_at: datetime | None = None
    delivery_failing_since: datetime | None = None


class IntegrationCreated(IntegrationPublic):
    """Webhook integrations answer their `whsec_` signing secret here, once."""

    signing_secret: str | None = None


class IntegrationCredentialsDoc(StoredModel):
    """`secrets/{teamId}_{integrationId}`: every secret of one integration, encrypted. Server only."""

    team_id: str
    integration_id: str
    # Field path in the config (e.g. `auth.token`, `webhookUrl`, `signingSecret`) -> ciphertext.
    encrypted: dict[str, str]
    key_version: str
    updated_at: datetime
