"""Managing a team's integrations: create, get, list, update, delete. Secrets never leave encrypted."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pydantic

from shared import errors, marketplace, sealed, standard_webhooks
from shared.auth import Caller, require_admin, require_member
from shared.cache import TtlCache
from shared.integrations import config as configs
from shared.models.base import InputModel, Page
from shared.models.integrations import (
    CONFIG_MODELS,
    IntegrationCreate,
    IntegrationCreated,
    IntegrationCredentialsDoc,
    IntegrationDeleted,
    IntegrationDoc,
    IntegrationListQuery,
    IntegrationPublic,
    IntegrationRef,
    IntegrationType,
    IntegrationUpdate,
    TestResult,
)
from shared.models.teams import Role
from shared.pagination import decode_cursor, page_of
from shared.settings import get_settings
from shared.store import integrations as store
from shared.store import oauth as oauth_store
from shared.store import paths


def seal(team_id: str, integration_id: str, secrets: dict[str, str]) -> IntegrationCredentialsDoc:
    encrypted, key_version = sealed.seal(paths.integration_secrets(team_id, integration_id), secrets)
    return IntegrationCredentialsDoc(
        team_id=team_id,
        integration_id=integration_id,
        encrypted=encrypted,
        key_version=key_version,
        updated_at=datetime.now(UTC),
    )


def unseal(credentials: IntegrationCredentialsDoc | None) -> dict[str, str]:
    if credentials is None:
        return {}
    return sealed.unseal(
        paths.integration_secrets(credentials.team_id, credentials.integration_id), credentials.encrypted
    )


def to_public(doc: IntegrationDoc) -> IntegrationPublic:
    return IntegrationPublic(
        id=doc.id,
        team_id=doc.team_id,
        type=doc.type,
        name=doc.name,
        description=doc.description,
        enabled=doc.enabled,
        status=doc.status,
        config=doc.config,
        marketplace_id=doc.marketplace_id,
        created_at=doc.created_at,
        created_by=doc.created_by,
        updated_at=doc.updated_at,
        last_tested_at=doc.last_tested_at,
        last_test_result=TestResult.model_validate(doc.last_test_result) if doc.last_test_result else None,
        last_sync_at=doc.last_sync_at,
        previous_secret_expires_at=doc.previous_secret_expires_at,
        delivery_failing_since=doc.delivery_failing_since,
    )


def connection_field(integration_type: IntegrationType, config: dict[str, Any]) -> tuple[str, str] | None:
    """(the field, the oauthId) when the configuration signs its calls with an OAuth connection."""
    if integration_type is IntegrationType.SLACK and isinstance(config.get("oauthId"), str):
        return "config.oauthId", config["oauthId"]
    auth = config.get("auth")
    if isinstance(auth, dict) and auth.get("type") == "oauth" and isinstance(auth.get("oauthId"), str):
        return "config.auth.oauthId", auth["oauthId"]
    return None


def check_connection_use(caller: Caller, role: Role, team_id: str, named: tuple[str, str] | None) -> None:
    """An integration may use only its creator's OAuth connections (an owner's may use any): an admin
    cannot point an integration at a colleague's connection and have its token sent to their server."""
    if named is None:
        return
    field, oauth_id = named
    if caller.is_api_key:
        # A connection is a person's grant: a key (whoever holds it) never attaches one.
        raise errors.PermissionDenied(
            "an API key cannot use an OAuth connection; use the console", field=field
        )
    connection = oauth_store.get_connection(team_id, oauth_id)
    if connection is None:
        raise errors.InvalidArgument("no OAuth connection of this team has this id", field=field)
    if role is not Role.OWNER and connection.user_id != caller.uid:
        raise errors.PermissionDenied("only an owner may use another user's OAuth connection", field=field)


def create_integration(caller: Caller, data: IntegrationCreate) -> IntegrationCreated:
    role = require_admin(caller, data.team_id)
    if data.marketplace_id is not None:
        _check_marketplace_entry(data.marketplace_id, data.type)
    config = configs.to_wire(configs.parse_config(data.type, data.config))
    check_connection_use(caller, role, data.team_id, connection_field(data.type, config))
    public_config, secrets = configs.split_secrets(data.type, config)
    signing_secret = None
    if data.type is IntegrationType.WEBHOOK:
        signing_secret = standard_webhooks.generate_secret()
        secrets[configs.SIGNING_SECRET] = signing_secret
    integration_id = store.new_id(data.team_id)
    now = datetime.now(UTC)
    doc = IntegrationDoc(
        id=integration_id,
        team_id=data.team_id,
        type=data.type,
        name=data.name,
        description=data.description,
        enabled=data.enabled,
        config=public_config,
        marketplace_id=data.marketplace_id,
        secret_fields=sorted(path for path in secrets if not path.startswith("_")),
        created_at=now,
        created_by=caller.uid,
        updated_at=now,
    )
    store.create(doc, seal(data.team_id, integration_id, secrets) if secrets else None)
    # The signing secret is answered here once; afterwards only its holder knows it.
    return IntegrationCreated(**to_public(doc).model_dump(), signing_secret=signing_secret)


def _check_marketplace_entry(marketplace_id: str, integration_type: IntegrationType) -> None:
    entry = next((item for item in marketplace.catalogue() if item.id == marketplace_id), None)
    if entry is None:
        raise errors.InvalidArgument("not an id of the marketplace catalogue", field="marketplaceId")
    if entry.type is not integration_type:
        raise errors.InvalidArgument(
            f"the catalogue entry {marketplace_id} is of type {entry.type.value}", field="marketplaceId"
        )


def get_integration(caller: Caller, data: IntegrationRef) -> IntegrationPublic:
    require_member(caller, data.team_id)
    return to_public(load(data.team_id, data.integration_id))


def load(team_id: str, integration_id: str) -> IntegrationDoc:
    doc = store.get(team_id, integration_id)
    if doc is None:
        raise errors.NotFound("integration not found", field="integrationId")
    return doc


@dataclass(frozen=True)
class LoadedIntegration:
    doc: IntegrationDoc
    config: dict[str, Any]
    secrets: dict[str, str]
    # The configuration validated by its type's model once, when loaded (None if it no longer validates).
    model: InputModel | None


@functools.cache
def _loaded_cache() -> TtlCache[tuple[str, str], LoadedIntegration]:
    return TtlCache(get_settings().integration_cache_seconds, max_entries=5_000)


def load_cached(team_id: str, integration_id: str) -> LoadedIntegration | None:
    """The integration with its configuration and secrets, from the instance's cache when fresh.

    For the incoming-webhook hot path: three reads become none. Changes made elsewhere take effect
    within `integration_cache_seconds`; changes made here are forgotten at once.
    """
    key = (team_id, integration_id)
    hit, loaded = _loaded_cache().get(key)
    if hit:
        return loaded
    doc = store.get(team_id, integration_id)
    if doc is None:
        return None
    config, secrets = full_config(doc)
    try:
        model: InputModel | None = CONFIG_MODELS[doc.type].model_validate(config)
    except pydantic.ValidationError:
        model = None
    loaded = LoadedIntegration(doc, config, secrets, model)
    _loaded_cache().put(key, loaded)
    return loaded


def forget_cached(team_id: str, integration_id: str) -> None:
    _loaded_cache().forget((team_id, integration_id))


def reset_cache() -> None:
    _loaded_cache.cache_clear()


def full_config(doc: IntegrationDoc) -> tuple[dict[str, Any], dict[str, str]]:
    """(the configuration with its secrets, every secret by path): for the server's own calls only."""
    return with_secrets(doc, store.get_credentials(doc.team_id, doc.id))


def with_secrets(
    doc: IntegrationDoc, credentials: IntegrationCredentialsDoc | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """`full_config` from credentials read already (with the integration, in one round trip)."""
    secrets = unseal(credentials)
    return configs.join_secrets(doc.config, secrets), secrets


def list_integrations(caller: Caller, data: IntegrationListQuery) -> Page[IntegrationPublic]:
    require_member(caller, data.team_id)
    after = decode_cursor(data.cursor) if data.cursor else None
    docs = store.list_page(data.team_id, data.type, data.limit + 1, after)
    return page_of(docs, data.limit, to_public, lambda doc: (doc.created_at, doc.id))


def update_integration(caller: Caller, data: IntegrationUpdate) -> IntegrationPublic:
    """Name, description, enabled, and `config` merged over the current one (null removes a field)."""
    role = require_admin(caller, data.team_id)
    given = data.model_fields_set

    def change(
        current: IntegrationDoc, credentials: IntegrationCredentialsDoc | None
    ) -> tuple[IntegrationDoc, IntegrationCredentialsDoc | None]:
        updates: dict[str, Any] = {"updated_at": datetime.now(UTC)}
        for name in ("name", "description", "enabled"):
            if name in given:
                updates[name] = getattr(data, name)
        new_credentials = None
        if "config" in given and data.config is not None:
            secrets = unseal(credentials)
            full_current = configs.join_secrets(current.config, secrets)
            merged = configs.merge(full_current, data.config)
            config = configs.to_wire(configs.parse_config(current.type, merged))
            configs.check_secrets_follow_origin(current.type, full_current, data.config, config)
            # Naming a connection, or sending its token to a new origin, is using it anew.
            named = connection_field(current.type, config)
            if named != connection_field(current.type, full_current) or configs.target_changed(
                current.type, full_current, config
            ):
                check_connection_use(caller, role, current.team_id, named)
            public_config, new_secrets = configs.split_secrets(current.type, config)
            # Secrets outside the configuration (the signing secret) are kept as they are.
            new_secrets.update({path: value for path, value in secrets.items() if path.startswith("_")})
            updates["config"] = public_config
            updates["secret_fields"] = sorted(path for path in new_secrets if not path.startswith("_"))
            new_credentials = seal(current.team_id, current.id, new_secrets)
        return current.model_copy(update=updates), new_credentials

    updated = store.update(data.team_id, data.integration_id, change)
    forget_cached(data.team_id, data.integration_id)
    return to_public(updated)


def delete_integration(caller: Caller, data: IntegrationRef) -> IntegrationDeleted:
    """Idempotent: deleting again answers the same. What hangs off it goes in `on_integration_deleted`."""
    require_admin(caller, data.team_id)
    existed = store.delete(data.team_id, data.integration_id)
    forget_cached(data.team_id, data.integration_id)
    return IntegrationDeleted(id=data.integration_id, existed=existed)


def remove_dependents(team_id: str, integration_id: str) -> int:
    """The trigger's work: secrets, sync configurations and subscriptions of a deleted integration."""
    if store.get(team_id, integration_id) is not None:
        # Redelivered after the integration was recreated with the same id: nothing to remove.
        return 0
    return store.delete_dependents(team_id, integration_id)
