"""The marketplace catalogue (seed: IntegrationMarketplaceItem), kept as data in the repository."""

from __future__ import annotations

from typing import Any, Literal

from shared.models.base import InputModel, PublicModel
from shared.models.integrations import IntegrationType


class MarketplaceQuery(InputModel):
    category: str | None = None
    type: str | None = None


class MarketplaceItem(PublicModel):
    id: str
    name: str
    type: IntegrationType
    category: str
    description: str
    auth_kind: Literal["none", "api_key", "basic", "oauth2", "webhook_secret", "webhook_url"]
    oauth_provider: str | None = None
    # The configuration fields the integration needs, as JSON Schema.
    config_schema: dict[str, Any]
    docs_url: str


class MarketplaceList(PublicModel):
    items: list[MarketplaceItem]
