"""From a sync configuration's integration to a `Remote`: which CRM, where, with which token.

The integration is a `rest` integration made from the marketplace's `hubspot` or `salesforce` entry. Its
`config.baseUrl` is the API's base (HubSpot `https://api.hubapi.com`); for Salesforce with an OAuth
connection, the connection's `instance_url` (kept from the token answer) wins, since an org's API lives
on its own host. Its `auth` is a bearer token (a HubSpot private-app token) or an OAuth connection
(`oauthId`), refreshed by `access_token_for` whenever a call needs it.
"""

from __future__ import annotations

from typing import Any

from shared import errors, outbound
from shared.connectors.crm import CrmSession
from shared.integrations.service import full_config, load
from shared.models.integrations import IntegrationDoc, IntegrationType
from shared.models.sync import SyncConfigDoc
from shared.oauth.tokens import access_token_for
from shared.store import oauth as oauth_store
from shared.sync.remotes import PROVIDERS, SALESFORCE, Remote, RemoteSpec, remote_for
from shared.urls import check_url

AUTH_TYPES = ("bearer", "oauth")


def provider_of(integration: IntegrationDoc) -> str:
    """The CRM a configuration may sync with, or invalid-argument naming `integrationId`."""
    if integration.type is not IntegrationType.REST or integration.marketplace_id not in PROVIDERS:
        raise errors.InvalidArgument(
            "the integration must be a rest integration made from the hubspot or salesforce catalogue entry",
            field="integrationId",
        )
    auth = integration.config.get("auth") or {}
    if auth.get("type") not in AUTH_TYPES:
        raise errors.InvalidArgument(
            "the integration must authenticate with a bearer token or an OAuth connection",
            field="integrationId",
        )
    return str(integration.marketplace_id)


def session_for(integration: IntegrationDoc, user_id: str = "system") -> tuple[RemoteSpec, CrmSession]:
    provider = provider_of(integration)
    config, _ = full_config(integration)
    auth: dict[str, Any] = config.get("auth") or {}
    base_url = str(config.get("baseUrl") or "")
    if auth.get("type") == "oauth":
        oauth_id = str(auth.get("oauthId"))
        connection = oauth_store.get_connection(integration.team_id, oauth_id)
        instance_url = (connection.account if connection else {}).get("instance_url")
        if provider == SALESFORCE and isinstance(instance_url, str):
            check_url(instance_url, "instance_url")
            base_url = instance_url

        def token() -> str:
            return access_token_for(integration.team_id, oauth_id, user_id=user_id)

    else:
        bearer = str(auth.get("token") or "")

        def token() -> str:
            return bearer

    audit = outbound.AuditTarget(integration.team_id, integration.id, user_id)
    return RemoteSpec(provider, base_url), CrmSession(base_url=base_url, token=token, audit=audit)


def remote_of(config: SyncConfigDoc, user_id: str = "system") -> Remote:
    spec, session = session_for(load(config.team_id, config.integration_id), user_id)
    return remote_for(spec, session)


def remote_of_integration(team_id: str, integration_id: str, user_id: str) -> Remote:
    spec, session = session_for(load(team_id, integration_id), user_id)
    return remote_for(spec, session)
