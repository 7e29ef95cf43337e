"""Integrations: create, read, update, delete, and a real test connection per type against loopback
servers, through the SDK's callable handler and the real Firestore emulator."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from google.cloud import firestore

from functions import (
    integrations_create,
    integrations_delete,
    integrations_get,
    integrations_list,
    integrations_test,
    integrations_update,
    request_logs_list,
)
from shared.integrations.service import remove_dependents
from tests.integration.conftest import all_documents
from tests.support.callables import Answer, call
from tests.support.firestore_emulator import free_port
from tests.support.http_servers import Received, Reply, serving

pytestmark = pytest.mark.usefixtures("private_networks")


def create(team: str, kind: str, config: dict[str, Any], name: str = "Under test") -> Answer:
    return call(
        integrations_create, {"teamId": team, "type": kind, "name": name, "config": config}, uid="admin"
    )


def run_test(team: str, integration_id: str) -> dict[str, Any]:
    answer = call(integrations_test, {"teamId": team, "integrationId": integration_id}, uid="admin")
    assert answer.status == 200, answer.body
    result: dict[str, Any] = answer.result
    return result


def audit_records(team: str, integration_id: str) -> list[dict[str, Any]]:
    answer = call(request_logs_list, {"teamId": team, "integrationId": integration_id}, uid="member")
    items: list[dict[str, Any]] = answer.result["items"]
    return items


def verify_standard_webhook(secret: str, received: Received) -> bool:
    """The Standard Webhooks check, written here from the specification, independently of the product."""
    key = base64.b64decode(secret.split("_", 1)[1])
    message_id = received.headers["webhook-id"]
    timestamp = received.headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > 300:
        return False
    content = f"{message_id}.{timestamp}.".encode() + received.body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    offered = [
        part.split(",", 1)[1]
        for part in received.headers["webhook-signature"].split()
        if part.startswith("v1,")
    ]
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


# ------------------------------------------------------------------ every type, connected


def test_slack_webhook_posts_a_message(team: str) -> None:
    with serving(lambda _r: Reply(200, b"ok")) as slack:
        hook = f"{slack.url}/services/T000/B000/s3cr3tHookPart"
        created = create(team, "slack", {"webhookUrl": hook}).result
        assert created["config"]["webhookUrl"] == "http://127.0.0.1/…Part"

        result = run_test(team, created["id"])

    assert result["success"] is True
    assert result["statusCode"] == 200
    assert "text" in slack.received[0].json()
    assert slack.received[0].path == "/services/T000/B000/s3cr3tHookPart"
    records = audit_records(team, created["id"])
    assert len(records) == 1
    assert records[0]["endpoint"] == f"http://127.0.0.1:{slack.port}/***"
    assert records[0]["success"] is True
    assert records[0]["userId"] == "admin"


def test_zapier_hook_gets_a_sample_event(team: str) -> None:
    with serving(lambda _r: Reply(200, b'{"status": "success"}')) as zapier:
        created = create(team, "zapier", {"hookUrl": f"{zapier.url}/hooks/catch/123/abcdef/"}).result
        result = run_test(team, created["id"])

    assert result["success"] is True
    event = zapier.received[0].json()
    assert event["type"] == "integration.test"
    assert event["data"]["id"] == created["id"]


def test_rest_health_check_with_bearer_auth(team: str) -> None:
    def api(request: Received) -> Reply:
        if request.headers.get("authorization") != "Bearer tok-123456789":
            return Reply(401, b"no")
        return Reply(204, b"") if request.path == "/v2/health" else Reply(404, b"")

    with serving(api) as server:
        config = {
            "baseUrl": f"{server.url}/v2",
            "auth": {"type": "bearer", "token": "tok-123456789"},
            "headers": {"X-Api-Key": "header-secret-value"},
            "healthCheck": {"method": "GET", "path": "/health", "expectStatus": 204},
        }
        created = create(team, "rest", config).result
        assert created["config"]["auth"]["token"] != "tok-123456789"
        assert created["config"]["headers"]["X-Api-Key"] != "header-secret-value"
        ok = run_test(team, created["id"])
        call(
            integrations_update,
            {
                "teamId": team,
                "integrationId": created["id"],
                "config": {"healthCheck": {"expectStatus": 200}},
            },
            uid="admin",
        )
        wrong_status = run_test(team, created["id"])

    assert ok["success"] is True
    assert server.received[0].headers["x-api-key"] == "header-secret-value"
    assert wrong_status["success"] is False
    assert wrong_status["message"] == "expected HTTP 200, got HTTP 204"
    stored = call(integrations_get, {"teamId": team, "integrationId": created["id"]}, uid="member").result
    assert stored["status"] == "error"
    assert stored["lastTestResult"]["success"] is False


def test_graphql_probe_needs_data(team: str) -> None:
    answers = iter([b'{"data": {"__typename": "Query"}}', b'{"errors": [{"message": "no"}]}'])
    with serving(lambda _r: Reply(200, next(answers), {"Content-Type": "application/json"})) as server:
        created = create(
            team,
            "graphql",
            {
                "endpoint": f"{server.url}/graphql",
                "auth": {"type": "basic", "username": "u", "password": "pw-secret-1"},
            },
        ).result
        first, second = run_test(team, created["id"]), run_test(team, created["id"])

    assert first["success"] is True
    assert second["success"] is False
    assert server.received[0].json() == {"query": "query { __typename }"}
    expected = "Basic " + base64.b64encode(b"u:pw-secret-1").decode()
    assert server.received[0].headers["authorization"] == expected


def test_webhook_sends_a_correctly_signed_event(team: str) -> None:
    with serving() as receiver:
        created = create(
            team, "webhook", {"url": f"{receiver.url}/hooks", "events": ["ticket.created"]}
        ).result
        secret = created["signingSecret"]
        result = run_test(team, created["id"])

    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"))) <= 64
    assert result["success"] is True
    delivery = receiver.received[0]
    assert verify_standard_webhook(secret, delivery)
    assert delivery.json()["type"] == "integration.test"
    later = call(integrations_get, {"teamId": team, "integrationId": created["id"]}, uid="member").result
    assert "signingSecret" not in later
    assert secret not in json.dumps(later)


# ------------------------------------------------------------------ failures are results


def failing_integration(team: str, url: str) -> str:
    integration_id: str = create(team, "zapier", {"hookUrl": url}).result["id"]
    return integration_id


def test_a_4xx_is_a_failed_result_without_retries(team: str) -> None:
    with serving(lambda _r: Reply(404, b"gone")) as server:
        result = run_test(team, failing_integration(team, f"{server.url}/hook"))
    assert (result["success"], result["statusCode"]) == (False, 404)
    assert len(server.received) == 1


def test_a_5xx_is_retried_then_reported(team: str) -> None:
    with serving(lambda _r: Reply(503, b"busy", {"Retry-After": "0"})) as server:
        integration_id = failing_integration(team, f"{server.url}/hook")
        result = run_test(team, integration_id)
    assert (result["success"], result["statusCode"]) == (False, 503)
    assert len(server.received) == 4  # the request and 3 retries
    record = audit_records(team, integration_id)[0]
    assert (record["statusCode"], record["success"], record["error"]) == (503, False, "HTTP 503")


def test_a_5xx_then_success_is_a_success(team: str) -> None:
    replies = iter([Reply(502, b"bad gateway"), Reply(200, b"ok")])
    with serving(lambda _r: next(replies)) as server:
        result = run_test(team, failing_integration(team, f"{server.url}/hook"))
    assert result["success"] is True
    assert len(server.received) == 2


def test_a_timeout_is_reported(team: str) -> None:
    with serving(lambda _r: Reply(200, b"late", delay_seconds=3)) as server:
        result = run_test(team, failing_integration(team, f"{server.url}/hook"))
    assert result["success"] is False
    assert result["message"] == "the service did not answer in time"
    assert result["statusCode"] is None


def test_connection_refused_is_reported(team: str) -> None:
    port = free_port()  # bound, then closed: nothing listens there
    result = run_test(team, failing_integration(team, f"http://127.0.0.1:{port}/hook"))
    assert result["success"] is False
    assert result["message"] == "the service could not be reached"


def test_an_oversized_response_is_cut_off(team: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared import outbound
    from shared.settings import reset_settings

    monkeypatch.setenv("OUTBOUND_MAX_RESPONSE_BYTES", "1000")
    reset_settings()
    outbound.reset_client()
    with serving(lambda _r: Reply(200, b"x" * 5000)) as server:
        result = run_test(team, failing_integration(team, f"{server.url}/hook"))
    assert result["success"] is False
    assert result["message"] == "the response is larger than 1000 bytes"


# ------------------------------------------------------------------ updates, lists, deletes


def test_update_merges_config_and_keeps_secrets(team: str) -> None:
    with serving() as server:
        created = create(
            team,
            "rest",
            {
                "baseUrl": server.url,
                "auth": {"type": "bearer", "token": "keep-me-secret"},
                "headers": {"X-A": "1"},
            },
        ).result
        updated = call(
            integrations_update,
            {
                "teamId": team,
                "integrationId": created["id"],
                "name": "Renamed",
                "config": {"headers": {"X-A": None, "X-B": "2"}, "healthCheck": {"path": "/status"}},
            },
            uid="admin",
        ).result
        run_test(team, created["id"])

    assert updated["name"] == "Renamed"
    assert set(updated["config"]["headers"]) == {"X-B"}
    assert updated["config"]["healthCheck"]["path"] == "/status"
    request = server.received[0]
    assert request.path == "/status"
    assert request.headers["authorization"] == "Bearer keep-me-secret"
    assert request.headers["x-b"] == "2"
    assert "x-a" not in request.headers


def test_list_filters_by_type_and_pages(team: str) -> None:
    for number in range(3):
        create(
            team,
            "zapier",
            {"hookUrl": f"https://hooks.zapier.com/hooks/catch/1/{number}/"},
            name=f"z{number}",
        )
    create(team, "webhook", {"url": "https://example.com/hook", "events": ["*"]}, name="w")

    first = call(integrations_list, {"teamId": team, "type": "zapier", "limit": 2}, uid="member").result
    second = call(
        integrations_list,
        {"teamId": team, "type": "zapier", "limit": 2, "cursor": first["nextCursor"]},
        uid="member",
    ).result
    everything = call(integrations_list, {"teamId": team}, uid="member").result

    assert [item["name"] for item in first["items"] + second["items"]] == ["z2", "z1", "z0"]
    assert second["nextCursor"] is None
    assert len(everything["items"]) == 4


def test_delete_is_idempotent_and_takes_what_hangs_off_it(db: firestore.Client, team: str) -> None:
    created = create(
        team,
        "rest",
        {"baseUrl": "https://api.example.com", "auth": {"type": "bearer", "token": "t0ken-value"}},
    ).result
    integration_id = created["id"]
    db.document(f"teams/{team}/syncConfigs/s1").set({"integrationId": integration_id})
    db.document(f"teams/{team}/syncConfigs/s2").set({"integrationId": "another"})
    db.document(f"teams/{team}/eventSubscriptions/e1").set({"integrationId": integration_id})
    assert db.document(f"secrets/{team}/integrations/{integration_id}").get().exists

    first = call(integrations_delete, {"teamId": team, "integrationId": integration_id}, uid="admin").result
    # The trigger's work, run as the emulator suite would, twice (delivery is at least once).
    remove_dependents(team, integration_id)
    remove_dependents(team, integration_id)
    second = call(integrations_delete, {"teamId": team, "integrationId": integration_id}, uid="admin").result

    assert first == {"id": integration_id, "deleted": True, "existed": True}
    assert second == {"id": integration_id, "deleted": True, "existed": False}
    remaining = all_documents(db)
    assert f"teams/{team}/integrations/{integration_id}" not in remaining
    assert f"secrets/{team}/integrations/{integration_id}" not in remaining
    assert f"teams/{team}/syncConfigs/s1" not in remaining
    assert f"teams/{team}/eventSubscriptions/e1" not in remaining
    assert f"teams/{team}/syncConfigs/s2" in remaining


def test_members_read_and_admins_write(db: firestore.Client, team: str) -> None:
    created = create(team, "zapier", {"hookUrl": "https://hooks.zapier.com/hooks/catch/1/2/"}).result
    ref = {"teamId": team, "integrationId": created["id"]}
    before = all_documents(db)

    assert call(integrations_get, ref, uid="member").status == 200
    for function, data in [
        (
            integrations_create,
            {"teamId": team, "type": "zapier", "name": "x", "config": {"hookUrl": "https://a.example/h"}},
        ),
        (integrations_update, {**ref, "name": "x"}),
        (integrations_delete, ref),
        (integrations_test, ref),
    ]:
        assert call(function, data, uid="member").error["status"] == "PERMISSION_DENIED"
        assert call(function, data, uid="stranger").error["status"] == "PERMISSION_DENIED"
    assert call(integrations_get, ref, uid="stranger").error["status"] == "PERMISSION_DENIED"
    assert all_documents(db) == before


def test_an_integration_made_from_a_catalogue_entry_records_it(db: firestore.Client, team: str) -> None:
    config = {"baseUrl": "https://api.hubapi.com", "auth": {"type": "bearer", "token": "pat-na1-token-value"}}
    answer = call(
        integrations_create,
        {"teamId": team, "type": "rest", "name": "HubSpot", "config": config, "marketplaceId": "hubspot"},
        uid="admin",
    )

    assert answer.status == 200, answer.body
    assert answer.result["marketplaceId"] == "hubspot"
    fetched = call(integrations_get, {"teamId": team, "integrationId": answer.result["id"]}, uid="member")
    assert fetched.result["marketplaceId"] == "hubspot"
    assert (
        db.document(f"teams/{team}/integrations/{answer.result['id']}").get().get("marketplaceId")
        == "hubspot"
    )
    assert (
        create(team, "zapier", {"hookUrl": "https://hooks.zapier.com/hooks/catch/1/2/"}).result[
            "marketplaceId"
        ]
        is None
    )
