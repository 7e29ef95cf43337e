"""Zapier REST hooks: Zapier subscribes a Zap's target URL to an event type, unsubscribes it when the
Zap is turned off, and asks for sample records. Zapier authenticates with one of the team's API keys.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pydantic
from flask import Request, Response

from shared import errors, json_input, log, sealed
from shared.api_keys.validation import validate_key
from shared.callables import parse
from shared.https import error_response, json_response
from shared.models.api_keys import ApiKeyScope, ApiKeyValidate, ValidationCode
from shared.models.base import DocumentId, InputModel
from shared.models.integrations import EventType
from shared.models.webhooks import EventSubscriptionDoc
from shared.store import deliveries as store
from shared.store import paths
from shared.store import secrets as secret_store
from shared.urls import check_url
from shared.webhooks.delivery import TARGET_URL

SAMPLES_FILE = Path(__file__).with_name("samples.json")


class ZapierSubscribe(InputModel):
    target_url: str
    event: EventType
    integration_id: DocumentId | None = None


class ZapierUnsubscribe(InputModel):
    id: DocumentId


@functools.cache
def samples() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(SAMPLES_FILE.read_text())
    return loaded


def _team_of_key(request: Request, scope: ApiKeyScope) -> str:
    """The team of the API key the request carries (X-API-Key or a Bearer token), with `scope`."""
    header = request.headers.get("X-API-Key") or request.headers.get("Authorization", "").removeprefix(
        "Bearer "
    )
    if not header:
        raise errors.Unauthenticated("send an API key in X-API-Key")
    try:
        query = ApiKeyValidate.model_validate({"key": header[:256], "requiredScopes": [scope.value]})
    except pydantic.ValidationError:  # a key of only whitespace, say
        raise errors.Unauthenticated("the API key is not valid") from None
    result = validate_key(query)
    if result.code is ValidationCode.INSUFFICIENT_PERMISSIONS:
        raise errors.PermissionDenied(f"the API key needs the {scope.value} scope")
    if result.code is ValidationCode.RATE_LIMITED:
        raise errors.ResourceExhausted("the API key's rate limit is reached")
    if not result.valid or result.team_id is None:
        raise errors.Unauthenticated("the API key is not valid")
    return result.team_id


def _body(request: Request) -> Any:
    try:
        return json_input.loads(request.get_data() or b"{}")
    except json_input.UnusableJson as error:
        raise errors.InvalidArgument(str(error), field="body") from None


def subscribe(request: Request) -> Response:
    try:
        if request.method != "POST":
            return error_response(errors.InvalidArgument("POST only"), 405)
        team_id = _team_of_key(request, ApiKeyScope.WEBHOOKS_MANAGE)
        data = parse(ZapierSubscribe, _body(request))
        check_url(data.target_url, "targetUrl")
        now = datetime.now(UTC)
        subscription = EventSubscriptionDoc(
            id=store.new_subscription_id(team_id),
            team_id=team_id,
            kind="zapier_rest_hook",
            integration_id=data.integration_id,
            events=[data.event],
            target_hint=f"{urlsplit(data.target_url).hostname}/…",
            created_at=now,
            updated_at=now,
        )
        owner = paths.subscription_secrets(team_id, subscription.id)
        encrypted, key_version = sealed.seal(owner, {TARGET_URL: data.target_url})
        secret_store.put_sealed(owner, encrypted, key_version)
        store.put_subscription(subscription)
        log.info("zapier subscribed", teamId=team_id, subscriptionId=subscription.id, eventType=data.event)
        return json_response({"id": subscription.id, "event": data.event}, 201)
    except errors.AppError as error:
        return error_response(error)


def unsubscribe(request: Request) -> Response:
    try:
        if request.method not in {"POST", "DELETE"}:
            return error_response(errors.InvalidArgument("POST or DELETE"), 405)
        team_id = _team_of_key(request, ApiKeyScope.WEBHOOKS_MANAGE)
        data = parse(ZapierUnsubscribe, _body(request) if request.get_data() else dict(request.args))
        subscription = store.get_subscription(team_id, data.id)
        if subscription is not None and subscription.kind == "zapier_rest_hook":
            store.delete_subscription(team_id, data.id)
        # Idempotent: unsubscribing what is gone answers the same.
        return json_response({"ok": True, "id": data.id})
    except errors.AppError as error:
        return error_response(error)


def sample_list(request: Request) -> Response:
    try:
        if request.method != "GET":
            return error_response(errors.InvalidArgument("GET only"), 405)
        _team_of_key(request, ApiKeyScope.WEBHOOKS_MANAGE)
        event_type = request.args.get("event", "ticket.created")
        if event_type not in samples():
            raise errors.InvalidArgument(f"no samples for {event_type[:50]}", field="event")
        sample = samples()[event_type]
        return json_response(
            [{**sample, "event": event_type, "timestamp": sample.get("updatedAt") or sample.get("createdAt")}]
        )
    except errors.AppError as error:
        return error_response(error)
