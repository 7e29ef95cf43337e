"""`/v1/integrations` and `/v1/webhooks`: the bodies and queries of the public API, whose team is the
key's (so no `teamId`), over the same integration service the callables use."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, Strict

from shared.models.base import (
    Cursor,
    Description,
    InputModel,
    ListLimit,
    Name,
    PublicModel,
    Timestamp,
    not_null,
    requires_a_change,
)
from shared.models.integrations import (
    IntegrationCreate,
    IntegrationDoc,
    IntegrationPublic,
    IntegrationType,
    IntegrationUpdate,
    MarketplaceId,
    Subscriptions,
    Url,
)


class IntegrationCreateBody(InputModel):
    """`POST /v1/integrations`: the callable's fields but `teamId`."""

    type: Annotated[IntegrationType, Strict(False)]
    name: Name
    description: Description | None = None
    enabled: bool = True
    config: dict[str, Any]
    marketplace_id: MarketplaceId | None = None

    def for_team(self, team_id: str) -> IntegrationCreate:
        return IntegrationCreate.model_validate({**self.model_dump(), "teamId": team_id})


class IntegrationUpdateBody(InputModel):
    """`PATCH /v1/integrations/{id}`: `config` merged over the current one; null removes a field."""

    name: Name | None = None
    description: Description | None = None
    enabled: bool | None = None
    config: dict[str, Any] | None = None

    _not_null = not_null("name", "enabled", "config")
    _requires_a_change = requires_a_change()

    def for_integration(self, team_id: str, integration_id: str) -> IntegrationUpdate:
        given = self.model_dump(include=self.model_fields_set)
        return IntegrationUpdate.model_validate({**given, "teamId": team_id, "integrationId": integration_id})


class IntegrationListParams(InputModel):
    """`GET /v1/integrations`: by (updatedAt, id) like every `/v1` list, so that `updatedSince` pages
    through changes (the callable `integrations_list` keeps the seed's newest first)."""

    type: Annotated[IntegrationType, Strict(False)] | None = None
    limit: ListLimit = 50
    cursor: Cursor | None = None
    updated_since: Timestamp | None = None


class WebhookListParams(InputModel):
    limit: ListLimit = 50
    cursor: Cursor | None = None
    updated_since: Timestamp | None = None


class WebhookCreateBody(InputModel):
    """`POST /v1/webhooks`: an outgoing subscription, a `webhook` integration that sends `events` to `url`,
    signed with a signing secret answered once."""

    url: Url
    events: Annotated[Subscriptions, Field(min_length=1)]
    name: Name = "Webhook"
    description: Description | None = None


class WebhookPublic(PublicModel):
    id: str
    name: str
    description: str | None = None
    url: str | None = None
    events: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: IntegrationDoc | IntegrationPublic) -> WebhookPublic:
        url = doc.config.get("url")
        events = doc.config.get("events")
        return cls(
            id=doc.id,
            name=doc.name,
            description=doc.description,
            url=url if isinstance(url, str) else None,
            events=[event for event in events if isinstance(event, str)] if isinstance(events, list) else [],
            enabled=doc.enabled,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
        )


class WebhookCreated(WebhookPublic):
    signing_secret: str
