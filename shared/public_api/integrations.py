"""`/v1/integrations` and `/v1/webhooks`: the team's integrations and outgoing webhook subscriptions, through
the integration service the callables use (the same checks, secrets sealed and masked, events).

The key acts as an admin of its own team (`shared.auth.api_key_caller`); the routes' scopes decide what it
may do. It never attaches an OAuth connection: a connection is a person's grant. An error the service
names a field for (`config.baseUrl`) answers a pointer into the body (`/config/baseUrl`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from shared import errors
from shared.auth import Caller, api_key_caller
from shared.integrations import connection_test, service
from shared.models.api_keys import ApiKeyScope
from shared.models.base import Page, PublicModel
from shared.models.integrations import (
    IntegrationCreated,
    IntegrationDoc,
    IntegrationPublic,
    IntegrationRef,
    IntegrationType,
    TestResult,
)
from shared.models.public_integrations import (
    IntegrationCreateBody,
    IntegrationListParams,
    IntegrationUpdateBody,
    WebhookCreateBody,
    WebhookCreated,
    WebhookListParams,
    WebhookPublic,
)
from shared.public_api import listing
from shared.public_api.problems import FieldProblem, Problem, body_pointer
from shared.public_api.router import Call, Reply, Route
from shared.store import integrations as store

INTEGRATIONS = "/v1/integrations"
INTEGRATION = "/v1/integrations/{id}"
WEBHOOKS = "/v1/webhooks"
WEBHOOK = "/v1/webhooks/{id}"

T = TypeVar("T")
PublicT = TypeVar("PublicT", bound=PublicModel)
# Fields that name what the route's path names: they point at the path, not the body.
_PATH_FIELDS = {"integrationId": "#/path/id"}


def _pointer(field: str) -> str:
    """A service's field name (`config.headers[0].name`) as a body pointer (`/config/headers/0/name`)."""
    if field in _PATH_FIELDS:
        return _PATH_FIELDS[field]
    parts: list[int | str] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field):
        parts.append(int(index) if index else name)
    return body_pointer(parts)


def _through_service(work: Callable[[Caller], T], call: Call) -> T:
    """Run a service call as the key; its refusals become problems with their pointers."""
    try:
        return work(api_key_caller(call.team_id, call.key_id))
    except errors.NotFound:
        raise Problem(404, "not-found", "no integration with this id") from None
    except errors.AppError as error:
        status = errors.http_status(error)
        if error.field is None or status >= 500:
            raise
        code = "invalid-request" if status == 400 else error.code.value
        pointed = [FieldProblem(_pointer(error.field), error.message)]
        raise Problem(status, code, error.message, pointed) from None


def _ref(call: Call) -> IntegrationRef:
    return IntegrationRef.model_validate({"teamId": call.team_id, "integrationId": call.params["id"]})


def _listed(
    call: Call,
    name: str,
    integration_type: IntegrationType | None,
    params: IntegrationListParams | WebhookListParams,
    to_public: Callable[[IntegrationDoc], PublicT],
) -> Reply:
    body = listing.page(
        name,
        [integration_type, params.updated_since],
        params.limit,
        params.cursor,
        lambda after, limit: store.list_by_updated(
            call.team_id, integration_type, params.updated_since, after, limit
        ),
        to_public,
    )
    return Reply(200, body)


def list_integrations(call: Call) -> Reply:
    params = call.query_as(IntegrationListParams)
    return _listed(call, "integrations", params.type, params, service.to_public)


def get_integration(call: Call) -> Reply:
    found = _through_service(lambda caller: service.get_integration(caller, _ref(call)), call)
    return Reply(200, found.to_wire())


def create_integration(call: Call) -> Reply:
    data = call.body_as(IntegrationCreateBody).for_team(call.team_id)
    created = _through_service(lambda caller: service.create_integration(caller, data), call)
    return Reply(201, created.to_wire(), {"Location": f"{INTEGRATIONS}/{created.id}"})


def update_integration(call: Call) -> Reply:
    data = call.body_as(IntegrationUpdateBody).for_integration(call.team_id, call.params["id"])
    updated = _through_service(lambda caller: service.update_integration(caller, data), call)
    return Reply(200, updated.to_wire())


def delete_integration(call: Call) -> Reply:
    deleted = _through_service(lambda caller: service.delete_integration(caller, _ref(call)), call)
    if not deleted.existed:
        raise Problem(404, "not-found", "no integration with this id")
    return Reply(204)


def test_integration(call: Call) -> Reply:
    result = _through_service(lambda caller: connection_test.run_connection_test(caller, _ref(call)), call)
    return Reply(200, result.to_wire())


# ------------------------------------------------------------------ outgoing webhook subscriptions


def _webhook(call: Call) -> WebhookPublic:
    doc = _through_service(lambda caller: service.load(call.team_id, call.params["id"]), call)
    if doc.type is not IntegrationType.WEBHOOK:
        raise Problem(404, "not-found", "no webhook with this id")
    return WebhookPublic.from_doc(doc)


def list_webhooks(call: Call) -> Reply:
    params = call.query_as(WebhookListParams)
    return _listed(call, "webhooks", IntegrationType.WEBHOOK, params, WebhookPublic.from_doc)


def create_webhook(call: Call) -> Reply:
    body = call.body_as(WebhookCreateBody)
    data = IntegrationCreateBody.model_validate(
        {
            "type": IntegrationType.WEBHOOK.value,
            "name": body.name,
            "config": {"url": body.url, "events": list(body.events)},
            **({"description": body.description} if body.description is not None else {}),
        }
    ).for_team(call.team_id)
    created = _through_service(lambda caller: service.create_integration(caller, data), call)
    if created.signing_secret is None:
        raise errors.Internal("a webhook integration was created without a signing secret")
    doc = service.load(call.team_id, created.id)
    answer = WebhookCreated(**WebhookPublic.from_doc(doc).model_dump(), signing_secret=created.signing_secret)
    return Reply(201, answer.to_wire(), {"Location": f"{WEBHOOKS}/{created.id}"})


def delete_webhook(call: Call) -> Reply:
    _webhook(call)
    _through_service(lambda caller: service.delete_integration(caller, _ref(call)), call)
    return Reply(204)


READ, WRITE, MANAGE = (
    ApiKeyScope.INTEGRATIONS_READ,
    ApiKeyScope.INTEGRATIONS_WRITE,
    ApiKeyScope.WEBHOOKS_MANAGE,
)
ROUTES = [
    Route(
        "GET",
        INTEGRATIONS,
        READ,
        list_integrations,
        query=IntegrationListParams,
        response=Page[IntegrationPublic],
    ),
    Route("GET", INTEGRATION, READ, get_integration, response=IntegrationPublic),
    Route(
        "POST",
        INTEGRATIONS,
        WRITE,
        create_integration,
        body=IntegrationCreateBody,
        response=IntegrationCreated,
        status=201,
    ),
    Route(
        "PATCH",
        INTEGRATION,
        WRITE,
        update_integration,
        body=IntegrationUpdateBody,
        response=IntegrationPublic,
    ),
    Route("DELETE", INTEGRATION, WRITE, delete_integration, status=204),
    Route("POST", f"{INTEGRATION}/test", WRITE, test_integration, response=TestResult),
    Route("GET", WEBHOOKS, MANAGE, list_webhooks, query=WebhookListParams, response=Page[WebhookPublic]),
    Route(
        "POST", WEBHOOKS, MANAGE, create_webhook, body=WebhookCreateBody, response=WebhookCreated, status=201
    ),
    Route("DELETE", WEBHOOK, MANAGE, delete_webhook, status=204),
]
