"""`integrations_test`: a real call to the third party, per type, through the outbound client.

A failed test is a result (`success: false` and why), not an error. The outcome is stored on the
integration (`lastTestedAt`, `lastTestResult`, `status`).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared import outbound, standard_webhooks
from shared.auth import Caller, require_admin
from shared.connectors import slack
from shared.integrations import config as configs
from shared.integrations.service import full_config, load
from shared.models.integrations import (
    IntegrationDoc,
    IntegrationRef,
    IntegrationStatus,
    IntegrationType,
    TestResult,
)
from shared.oauth.tokens import access_token_for
from shared.settings import get_settings
from shared.store import integrations as store

PRODUCT_NAME = "Helpdesk integrations"
USER_AGENT = "helpdesk-integrations/1.0"
GRAPHQL_PROBE = "query { __typename }"


class _Call:
    """What one test needs: the integration, its full configuration and secrets, the audit target."""

    def __init__(self, doc: IntegrationDoc, config: dict[str, Any], secrets: dict[str, str], user_id: str):
        self.doc = doc
        self.config = config
        self.secrets = [value for value in secrets.values() if value]
        self.raw_secrets = secrets
        self.audit = outbound.AuditTarget(doc.team_id, doc.id, user_id)

    def send(self, request: outbound.OutboundRequest) -> outbound.OutboundResponse:
        return outbound.client().send(request, self.audit)


def auth_headers(auth: dict[str, Any], secrets: list[str], team_id: str) -> dict[str, str]:
    """Headers for REST and GraphQL auth; derived credentials are added to `secrets` for scrubbing."""
    kind = auth.get("type", "none")
    if kind == "bearer":
        value = f"Bearer {auth['token']}"
    elif kind == "basic":
        value = "Basic " + base64.b64encode(f"{auth['username']}:{auth['password']}".encode()).decode()
    elif kind == "header":
        return {auth["headerName"]: auth["headerValue"]}
    elif kind == "oauth":
        value = f"Bearer {oauth_access_token(team_id, auth['oauthId'])}"
    else:
        return {}
    secrets.append(value)
    return {"Authorization": value}


def _outcome(response: outbound.OutboundResponse, success: bool, expectation: str) -> TestResult:
    reason = f"HTTP {response.status_code}"
    message = f"connected: {reason}" if success else f"{expectation}, got {reason}"
    return TestResult(
        success=success, message=message, status_code=response.status_code, duration_ms=response.duration_ms
    )


def _test_slack(call: _Call) -> TestResult:
    if "webhookUrl" in call.config:
        text = f"{PRODUCT_NAME}: test message for integration “{call.doc.name}”."
        response = call.send(
            outbound.OutboundRequest(
                "POST", call.config["webhookUrl"], json={"text": text}, secrets=call.secrets
            )
        )
        return _outcome(response, response.ok, "expected HTTP 2xx")
    token = oauth_access_token(call.doc.team_id, call.config["oauthId"])
    call.secrets.append(token)
    response = call.send(
        outbound.OutboundRequest(
            "POST",
            slack.api_url("auth.test"),
            headers={"Authorization": f"Bearer {token}"},
            secrets=call.secrets,
        )
    )
    return _outcome(response, slack.answered_ok(response), 'expected {"ok": true}')


def oauth_access_token(team_id: str, oauth_id: str) -> str:
    """A valid access token of the team's OAuth connection (refreshed first when about to expire)."""
    return access_token_for(team_id, oauth_id)


def _sample_event(doc: IntegrationDoc) -> dict[str, Any]:
    return {
        "type": "integration.test",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"id": doc.id, "teamId": doc.team_id, "name": doc.name, "type": doc.type.value},
    }


def _test_zapier(call: _Call) -> TestResult:
    response = call.send(
        outbound.OutboundRequest(
            "POST", call.config["hookUrl"], json=_sample_event(call.doc), secrets=call.secrets
        )
    )
    return _outcome(response, response.ok, "expected HTTP 2xx")


def _test_rest(call: _Call) -> TestResult:
    check = call.config.get("healthCheck", {})
    method = check.get("method", "GET")
    url = call.config["baseUrl"].rstrip("/") + check.get("path", "/")
    expected = int(check.get("expectStatus", 200))
    headers = {"User-Agent": USER_AGENT, **call.config.get("headers", {})}
    headers.update(auth_headers(call.config.get("auth", {}), call.secrets, call.doc.team_id))
    response = call.send(outbound.OutboundRequest(method, url, headers=headers, secrets=call.secrets))
    return _outcome(response, response.status_code == expected, f"expected HTTP {expected}")


def _test_graphql(call: _Call) -> TestResult:
    headers = {"User-Agent": USER_AGENT, **call.config.get("headers", {})}
    headers.update(auth_headers(call.config.get("auth", {}), call.secrets, call.doc.team_id))
    response = call.send(
        outbound.OutboundRequest(
            "POST",
            call.config["endpoint"],
            headers=headers,
            json={"query": GRAPHQL_PROBE},
            secrets=call.secrets,
        )
    )
    try:
        answer = response.json()
        has_data = isinstance(answer, dict) and answer.get("data") is not None
    except ValueError:
        has_data = False
    return _outcome(response, response.ok and has_data, "expected HTTP 2xx with `data`")


def _test_webhook(call: _Call) -> TestResult:
    if "url" not in call.config:
        return _receive_only(call)
    body = json.dumps(_sample_event(call.doc), separators=(",", ":")).encode()
    signing = [call.raw_secrets[configs.SIGNING_SECRET]]
    if configs.PREVIOUS_SIGNING_SECRET in call.raw_secrets:
        signing.append(call.raw_secrets[configs.PREVIOUS_SIGNING_SECRET])
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **standard_webhooks.headers(signing, f"msg_{uuid.uuid4().hex}", body),
    }
    response = call.send(
        outbound.OutboundRequest(
            "POST",
            call.config["url"],
            headers=headers,
            data=body,
            secrets=call.secrets,
            follow_redirects=False,
        )
    )
    return _outcome(response, response.ok, "expected HTTP 2xx")


def _receive_only(call: _Call) -> TestResult:
    """A receive-only webhook integration has no endpoint of its own to call: the test checks that it
    can verify what senders sign (its signing secret is there and signs a sample that verifies) and
    tells where they send."""
    started = time.monotonic()
    secret = call.raw_secrets.get(configs.SIGNING_SECRET)
    body = json.dumps(_sample_event(call.doc), separators=(",", ":")).encode()
    message_id = f"msg_{uuid.uuid4().hex}"
    verifies = secret is not None and _signature_verifies(secret, message_id, body)
    url = f"{get_settings().webhook_public_base_url}/webhook_generic/{call.doc.team_id}/{call.doc.id}"
    return TestResult(
        success=verifies,
        message=(
            f"receive-only: senders POST Standard Webhooks signed with the signing secret to {url}"
            if verifies
            else "receive-only, but the signing secret is missing: rotate it to make a new one"
        ),
        status_code=None,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
    )


def _signature_verifies(secret: str, message_id: str, body: bytes) -> bool:
    signed = standard_webhooks.headers([secret], message_id, body)
    return standard_webhooks.verify(
        secret, message_id, signed["webhook-timestamp"], signed["webhook-signature"], body
    )


TESTERS: dict[IntegrationType, Callable[[_Call], TestResult]] = {
    IntegrationType.SLACK: _test_slack,
    IntegrationType.ZAPIER: _test_zapier,
    IntegrationType.REST: _test_rest,
    IntegrationType.GRAPHQL: _test_graphql,
    IntegrationType.WEBHOOK: _test_webhook,
}


def run_connection_test(caller: Caller, data: IntegrationRef) -> TestResult:
    require_admin(caller, data.team_id)
    doc = load(data.team_id, data.integration_id)
    config, secrets = full_config(doc)
    started = time.monotonic()
    try:
        result = TESTERS[doc.type](_Call(doc, config, secrets, caller.uid))
    except outbound.OutboundError as error:
        result = TestResult(
            success=False,
            message=error.message,
            status_code=None,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
    now = datetime.now(UTC)
    store.record_test(
        data.team_id,
        data.integration_id,
        {
            "lastTestedAt": now,
            "lastTestResult": result.model_dump(mode="json", by_alias=True),
            "status": (IntegrationStatus.ACTIVE if result.success else IntegrationStatus.ERROR).value,
            "updatedAt": now,
        },
    )
    return result
