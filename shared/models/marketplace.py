"""The marketplace catalogue (seed: IntegrationMarketplaceItem), kept as data in the repository."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Strict, StringConstraints, model_validator

from shared.models.base import InputModel, Name, PublicModel
from shared.models.integrations import IntegrationType
from shared.models.oauth import OAuthProvider

Category = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


class MarketplaceQuery(InputModel):
    """Both filters are exact matches; no filter lists the whole catalogue."""

    category: Category | None = None
    type: Annotated[IntegrationType, Strict(False)] | None = None


class MarketplaceItem(PublicModel):
    """One connectable service: which integration type it uses, how it authenticates, what it needs."""

    id: Slug
    name: Name
    type: IntegrationType
    # A lowercase slug such as `crm`; the catalogue owns the list (it is not an enum so that adding a
    # category is a data change).
    category: Annotated[Category, StringConstraints(pattern=r"^[a-z][a-z-]*$")]
    description: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    auth_kind: Literal["none", "api_key", "basic", "oauth2", "webhook_secret", "webhook_url"]
    # Set exactly when auth_kind is oauth2: the provider whose connection the integration uses.
    oauth_provider: OAuthProvider | None = None
    # The `config` fields the integration type needs, as JSON Schema (draft 2020-12).
    config_schema: dict[str, Any]
    docs_url: Annotated[str, StringConstraints(max_length=2048, pattern=r"^https://")]

    @model_validator(mode="after")
    def _oauth_provider_iff_oauth2(self) -> MarketplaceItem:
        if (self.auth_kind == "oauth2") != (self.oauth_provider is not None):
            raise ValueError("oauthProvider is required with authKind oauth2 and only with it")
        return self


class MarketplaceList(PublicModel):
    items: list[MarketplaceItem]
