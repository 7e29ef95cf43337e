"""The provider registry: built-in providers as data (providers.json), custom ones per team.

Client ids and secrets of the built-in providers come from one secret, `OAUTH_CLIENTS`: a JSON object
`{"google": {"clientId": "...", "clientSecret": "..."}, ...}` (Secret Manager in production,
`.secret.local` under the emulator). A custom provider's client secret is sealed under `secrets/`.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shared import errors, sealed
from shared.auth import Caller, require_admin, require_member
from shared.models.base import PublicModel
from shared.models.oauth import (
    CustomProviderDoc,
    CustomProviderListQuery,
    CustomProviderPublic,
    CustomProviderSet,
    OAuthProvider,
    ProviderSpec,
)
from shared.settings import get_settings
from shared.store import oauth as store
from shared.store import paths
from shared.store import secrets as secret_store
from shared.urls import check_url, origin

REGISTRY_FILE = Path(__file__).with_name("providers.json")
CLIENT_SECRET = "clientSecret"


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str


class CustomProviderList(PublicModel):
    items: list[CustomProviderPublic]


@functools.cache
def builtin_specs() -> dict[str, ProviderSpec]:
    """The built-in providers, with any endpoint overrides from the settings applied."""
    specs = {
        entry["id"]: ProviderSpec.model_validate(entry) for entry in json.loads(REGISTRY_FILE.read_text())
    }
    overrides_text = get_settings().oauth_provider_endpoints
    if overrides_text:
        for provider_id, endpoints in json.loads(overrides_text).items():
            if provider_id in specs:
                specs[provider_id] = specs[provider_id].model_copy(
                    update={
                        field: endpoints[alias]
                        for field, alias in (
                            ("authorization_url", "authorizationUrl"),
                            ("token_url", "tokenUrl"),
                            ("revocation_url", "revocationUrl"),
                        )
                        if alias in endpoints
                    }
                )
    return specs


def _builtin_credentials(provider_id: str) -> ClientCredentials:
    raw = os.environ.get("OAUTH_CLIENTS", "")
    try:
        clients = json.loads(raw) if raw else {}
        entry = clients[provider_id]
        return ClientCredentials(client_id=str(entry["clientId"]), client_secret=str(entry["clientSecret"]))
    except (ValueError, KeyError, TypeError):
        raise errors.FailedPrecondition(
            f"no OAuth client is configured for {provider_id}: set it in the OAUTH_CLIENTS secret",
            field="provider",
        ) from None


def connection_provider_key(provider: OAuthProvider, custom_provider_id: str | None) -> str:
    """`google`, or `custom-<slug>` for a team's custom provider: part of a connection's id."""
    return f"custom-{custom_provider_id}" if provider is OAuthProvider.CUSTOM else provider.value


def resolve(
    team_id: str, provider: OAuthProvider, custom_provider_id: str | None
) -> tuple[ProviderSpec, ClientCredentials]:
    """How to talk to the provider, and the client to talk as."""
    if provider is not OAuthProvider.CUSTOM:
        return builtin_specs()[provider.value], _builtin_credentials(provider.value)
    custom = store.get_custom_provider(team_id, custom_provider_id or "")
    if custom is None:
        raise errors.NotFound("no such custom provider in this team", field="customProviderId")
    secrets = sealed.unseal(
        paths.oauth_provider_secret(team_id, custom.id),
        secret_store.get_sealed(paths.oauth_provider_secret(team_id, custom.id)),
    )
    spec = ProviderSpec(
        id=f"custom-{custom.id}",
        name=custom.name,
        authorization_url=custom.authorization_url,
        token_url=custom.token_url,
        revocation_url=custom.revocation_url,
        revocation_style="rfc7009" if custom.revocation_url else None,
        default_scopes=custom.scopes,
        scope_separator=custom.scope_separator,
        pkce=custom.pkce,
    )
    return spec, ClientCredentials(client_id=custom.client_id, client_secret=secrets.get(CLIENT_SECRET, ""))


def _to_public(doc: CustomProviderDoc) -> CustomProviderPublic:
    return CustomProviderPublic.model_validate(doc.model_dump())


def _secret_destinations(provider: CustomProviderDoc | CustomProviderSet) -> tuple[str, str | None]:
    """The origins the client secret is sent to."""
    revocation = provider.revocation_url
    return origin(provider.token_url), origin(revocation) if revocation else None


def set_custom_provider(caller: Caller, data: CustomProviderSet) -> CustomProviderPublic:
    """Create or replace a custom provider; its client secret is sealed and never answered."""
    require_admin(caller, data.team_id)
    check_url(data.authorization_url, "authorizationUrl")
    check_url(data.token_url, "tokenUrl")
    if data.revocation_url is not None:
        check_url(data.revocation_url, "revocationUrl")
    existing = store.get_custom_provider(data.team_id, data.provider_id)
    if existing is None and data.client_secret is None:
        raise errors.InvalidArgument("clientSecret: is required for a new provider", field="clientSecret")
    if (
        existing is not None
        and data.client_secret is None
        and _secret_destinations(existing) != _secret_destinations(data)
    ):
        # The client secret goes to the token (and revocation) endpoint: kept only while they stay put,
        # so an admin cannot point them at a server of their own and read the secret there.
        raise errors.InvalidArgument(
            "clientSecret: give it again to send it to a new token or revocation endpoint",
            field="clientSecret",
        )
    now = datetime.now(UTC)
    doc = CustomProviderDoc(
        id=data.provider_id,
        team_id=data.team_id,
        name=data.name,
        authorization_url=data.authorization_url,
        token_url=data.token_url,
        revocation_url=data.revocation_url,
        scopes=list(data.scopes),
        scope_separator=data.scope_separator,
        pkce=data.pkce,
        client_id=data.client_id,
        has_client_secret=True,
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )
    if data.client_secret is not None:
        secret_path = paths.oauth_provider_secret(data.team_id, data.provider_id)
        encrypted, key_version = sealed.seal(secret_path, {CLIENT_SECRET: data.client_secret})
        secret_store.put_sealed(secret_path, encrypted, key_version)
    store.put_custom_provider(doc)
    return _to_public(doc)


def list_custom_providers(caller: Caller, data: CustomProviderListQuery) -> CustomProviderList:
    require_member(caller, data.team_id)
    return CustomProviderList(items=[_to_public(doc) for doc in store.list_custom_providers(data.team_id)])
