"""Per-type configuration: validation with errors naming `config.<field>`, and the secrets in it.

A configuration is validated by the model of its type, then by the rules a model cannot say alone
(Slack needs a webhook URL or a connection and a channel; an auth type needs its own fields; URLs are
https). Secrets (tokens, passwords, header values, URLs that embed a secret) are taken out, encrypted
by the caller, and replaced in the stored configuration by a mask.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pydantic

from shared import errors
from shared.crypto import mask
from shared.models.base import InputModel
from shared.models.integrations import (
    CONFIG_MODELS,
    AuthType,
    GraphqlConfig,
    IntegrationType,
    OutboundAuth,
    RestConfig,
    SlackConfig,
    WebhookConfig,
    ZapierConfig,
)
from shared.outbound import SECRET_QUERY_PARAMETERS
from shared.urls import check_url, origin

# Field paths whose values are secrets, per type, as `/`-separated camelCase names (header names may
# hold dots, never a slash). `headers/*` is every header value: custom headers are where API keys travel.
PATH_SEPARATOR = "/"
SECRET_PATHS: dict[IntegrationType, tuple[str, ...]] = {
    IntegrationType.SLACK: ("webhookUrl", "signingSecret"),
    IntegrationType.ZAPIER: ("hookUrl", "incomingToken"),
    IntegrationType.REST: ("auth/token", "auth/password", "auth/headerValue", "headers/*", "webhookSecret"),
    IntegrationType.GRAPHQL: ("auth/token", "auth/password", "auth/headerValue", "headers/*"),
    IntegrationType.WEBHOOK: (),
}

# The URL each type sends its requests (and the credentials bound to it) to. Such a URL is itself sealed
# when it carries a credential (a Discord- or Teams-style token in its path, `?apikey=` in its query).
TARGET_URL: dict[IntegrationType, str] = {
    IntegrationType.REST: "baseUrl",
    IntegrationType.GRAPHQL: "endpoint",
    IntegrationType.WEBHOOK: "url",
}
# Secrets sent with every request to the target URL: they were given for its origin and only go there.
ORIGIN_BOUND_PATHS = ("auth/token", "auth/password", "auth/headerValue", "headers/*")
# A path segment this long of letters and digits (and `-`, `_`) mixed is taken for a token.
TOKEN_SEGMENT = re.compile(r"^(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9_-]{16,}$")

# Secrets that are not part of the configuration (names start with "_"): the webhook signing secret
# and, during a rotation, the one it replaces.
SIGNING_SECRET = "_signingSecret"
PREVIOUS_SIGNING_SECRET = "_previousSigningSecret"

# Which auth fields each auth type needs; any other one given is refused as a mistake.
AUTH_FIELDS: dict[AuthType, set[str]] = {
    AuthType.NONE: set(),
    AuthType.BEARER: {"token"},
    AuthType.BASIC: {"username", "password"},
    AuthType.HEADER: {"headerName", "headerValue"},
    AuthType.OAUTH: {"oauthId"},
}


def _invalid(field: str, reason: str) -> errors.InvalidArgument:
    return errors.InvalidArgument(f"{field}: {reason}", details={"field": field, "reason": reason})


def _check_auth(auth: OutboundAuth, prefix: str) -> None:
    given = {name for name in auth.model_fields_set if name != "type" and getattr(auth, name) is not None}
    given_wire = {OutboundAuth.model_fields[name].alias or name for name in given}
    needed = AUTH_FIELDS[auth.type]
    for missing in sorted(needed - given_wire):
        raise _invalid(f"{prefix}.{missing}", f"is required for auth type {auth.type.value}")
    for extra in sorted(given_wire - needed):
        raise _invalid(f"{prefix}.{extra}", f"does not belong to auth type {auth.type.value}")


def parse_config(integration_type: IntegrationType, raw: Any) -> InputModel:
    """The validated configuration model; invalid-argument naming `config.<field>` otherwise."""
    if not isinstance(raw, dict):
        raise _invalid("config", "must be an object")
    try:
        config = CONFIG_MODELS[integration_type].model_validate(raw)
    except pydantic.ValidationError as error:
        problem = errors.from_validation_error(error)
        field = f"config.{problem.details['field']}"
        reason = str(problem.details["reason"])
        raise _invalid(field, reason) from None
    if isinstance(config, SlackConfig):
        by_webhook = config.webhook_url is not None
        by_connection = config.oauth_id is not None
        if by_webhook == by_connection:
            raise _invalid("config.webhookUrl", "give either webhookUrl or oauthId with channel")
        if by_webhook:
            check_url(config.webhook_url or "", "config.webhookUrl")
        if by_connection and not config.channel:
            raise _invalid("config.channel", "is required with oauthId")
    elif isinstance(config, ZapierConfig):
        check_url(config.hook_url, "config.hookUrl")
    elif isinstance(config, RestConfig):
        check_url(config.base_url, "config.baseUrl")
        _check_auth(config.auth, "config.auth")
    elif isinstance(config, GraphqlConfig):
        check_url(config.endpoint, "config.endpoint")
        _check_auth(config.auth, "config.auth")
    elif isinstance(config, WebhookConfig):
        if config.url is not None:
            check_url(config.url, "config.url")
            if not config.events:
                raise _invalid("config.events", "name at least one event to send to config.url")
        elif config.events:
            raise _invalid("config.url", "is required to send events")
    return config


def to_wire(config: InputModel) -> dict[str, Any]:
    """The configuration as camelCase JSON, without fields left unset."""
    return config.model_dump(mode="json", by_alias=True, exclude_none=True)


def _paths(config: dict[str, Any], patterns: tuple[str, ...]) -> list[str]:
    """Concrete paths in `config` that match the patterns (`headers/*` -> each header)."""
    found: list[str] = []
    for pattern in patterns:
        parent_path, _, leaf = pattern.rpartition(PATH_SEPARATOR)
        parent: Any = config
        for part in parent_path.split(PATH_SEPARATOR) if parent_path else []:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        names = list(parent) if leaf == "*" else [leaf]
        for name in names:
            if isinstance(parent.get(name), str):
                found.append(f"{parent_path}{PATH_SEPARATOR}{name}" if parent_path else name)
    return found


def _get(config: dict[str, Any], path: str) -> Any:
    value: Any = config
    for part in path.split(PATH_SEPARATOR):
        value = value[part]
    return value


def _set(config: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(PATH_SEPARATOR)
    target = config
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def masked_secret(value: str) -> str:
    """What an answer shows of a secret: a URL its scheme and host and a hint (`https://host/…WxYz`);
    a token at most its last 4 characters (shared.crypto.mask)."""
    parts = urlsplit(value)
    if parts.scheme in {"http", "https"} and parts.hostname:
        return f"{parts.scheme}://{parts.hostname}/{mask(value)}"
    return mask(value)


def bears_credentials(url: str) -> bool:
    """Whether a URL carries a credential: a query parameter named like one, or a token in its path."""
    parts = urlsplit(url)
    names = [name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    if any(name in SECRET_QUERY_PARAMETERS or "token" in name or "key" in name for name in names):
        return True
    return any(TOKEN_SEGMENT.match(segment) for segment in parts.path.split("/"))


def _secret_paths(integration_type: IntegrationType, config: dict[str, Any]) -> list[str]:
    found = _paths(config, SECRET_PATHS[integration_type])
    target = TARGET_URL.get(integration_type)
    if target is not None and isinstance(config.get(target), str) and bears_credentials(config[target]):
        found.append(target)
    return found


def split_secrets(
    integration_type: IntegrationType, config: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the configuration with each secret masked, {path: secret})."""
    public = copy.deepcopy(config)
    secrets: dict[str, str] = {}
    for path in _secret_paths(integration_type, config):
        secret = _get(config, path)
        secrets[path] = secret
        _set(public, path, masked_secret(secret))
    return public, secrets


def target_changed(
    integration_type: IntegrationType, current: dict[str, Any], merged: dict[str, Any]
) -> bool:
    """Whether the origin the integration sends its requests to changes."""
    target = TARGET_URL.get(integration_type)
    if target is None or not isinstance(current.get(target), str) or not isinstance(merged.get(target), str):
        return False
    return origin(current[target]) != origin(merged[target])


def check_secrets_follow_origin(
    integration_type: IntegrationType, current: dict[str, Any], change: dict[str, Any], merged: dict[str, Any]
) -> None:
    """Retargeting an integration needs its credentials again: a stored secret is bound to the origin it
    was given for, so an admin cannot send it to a host of their choosing and read it there.

    `current` and `merged` are full configurations (secrets in), `change` what the caller sent.
    """
    if not target_changed(integration_type, current, merged):
        return
    target = TARGET_URL[integration_type]
    for path in _paths(current, ORIGIN_BOUND_PATHS):
        still_used = _paths(merged, (path,))
        given_again = _paths(change, (path,))
        if still_used and not given_again:
            field = "config." + path.replace(PATH_SEPARATOR, ".")
            raise _invalid(field, f"give it again to send it to a new origin ({target} changed)")


def join_secrets(public: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """The full configuration: the stored one with each secret put back (config paths only)."""
    full = copy.deepcopy(public)
    for path, secret in secrets.items():
        if not path.startswith("_"):
            _set(full, path, secret)
    return full


def merge(current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """`change` laid over `current`, objects merged key by key; a null removes the key."""
    merged = copy.deepcopy(current)
    for key, value in change.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
