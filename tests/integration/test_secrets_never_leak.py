"""Secrets given to integrations never come back: not in answers, not in Firestore, not in logs.

One integration of each kind carries distinctive secrets; each is tested against a loopback service
that answers 200, then 500 (echoing what it received, as careless services do), then against a closed
port; each is updated (secrets rotated), read and listed, and its audit records are read. Then every
answer, every document in the project and every log line is searched for every secret.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from google.cloud import firestore

from functions import (
    integrations_create,
    integrations_get,
    integrations_list,
    integrations_test,
    integrations_update,
    request_logs_list,
)
from shared import errors
from shared.integrations.service import unseal
from shared.store import integrations as store
from tests.integration.conftest import all_documents
from tests.support.callables import Answer, call
from tests.support.firestore_emulator import free_port
from tests.support.http_servers import Received, Reply, serving

pytestmark = pytest.mark.usefixtures("private_networks")

SLACK_SEGMENT = "slackPathSecretQx7Rv2Lm"
SLACK_SEGMENT_ROTATED = "slackPathSecretRotated8Kp"
ZAPIER_SEGMENT = "zapierHookSecretMw4Tz9Bn"
ZAPIER_SEGMENT_ROTATED = "zapierHookSecretRotatedC3"
REST_TOKEN = "restBearerTokenHb3Nc5Lq"
REST_TOKEN_ROTATED = "restBearerTokenRotatedT6"
REST_HEADER_VALUE = "restHeaderValueYe6Ud1Ws"
GRAPHQL_USER = "gql-user"
GRAPHQL_PASSWORD = "graphqlBasicPasswordJf2Ok8"
GRAPHQL_PASSWORD_ROTATED = "graphqlBasicPasswordRotQ4"
HEADER_AUTH_VALUE = "headerAuthValueGi9Pa3Vm"
HEADER_AUTH_VALUE_ROTATED = "headerAuthValueRotatedE7"
# Secrets only ever sent in requests the product refuses.
REFUSED_TOKEN = "refusedTokenSecretZr5Wq"
REFUSED_URL_PASSWORD = "refusedUrlPasswordKd8Hy"
REFUSED_HEADER_VALUE = "refusedHeaderValueNu2Xc"


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


FIXED_SECRETS = [
    SLACK_SEGMENT,
    SLACK_SEGMENT_ROTATED,
    ZAPIER_SEGMENT,
    ZAPIER_SEGMENT_ROTATED,
    REST_TOKEN,
    REST_TOKEN_ROTATED,
    REST_HEADER_VALUE,
    GRAPHQL_PASSWORD,
    GRAPHQL_PASSWORD_ROTATED,
    # The Basic credential the product derives from the password is as secret as the password.
    basic(GRAPHQL_USER, GRAPHQL_PASSWORD),
    basic(GRAPHQL_USER, GRAPHQL_PASSWORD_ROTATED),
    HEADER_AUTH_VALUE,
    HEADER_AUTH_VALUE_ROTATED,
    REFUSED_TOKEN,
    REFUSED_URL_PASSWORD,
    REFUSED_HEADER_VALUE,
]


def careless_service(state: dict[str, int]) -> Any:
    """200 with a body every tester accepts; otherwise an error that echoes the request back."""

    def respond(request: Received) -> Reply:
        if state["status"] == 200:
            return Reply(
                200, b'{"ok": true, "data": {"__typename": "Query"}}', {"Content-Type": "application/json"}
            )
        echo = json.dumps({"error": "rejected", "path": request.path, "headers": request.headers}).encode()
        return Reply(state["status"], echo, {"Content-Type": "application/json"})

    return respond


def leaked(text: str, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret in text]


class Recorder:
    """Every answer the product gave in this test, labelled, for the scan at the end."""

    def __init__(self) -> None:
        self.answers: list[tuple[str, dict[str, Any]]] = []

    def call(self, label: str, function: Any, data: dict[str, Any], uid: str = "admin") -> Answer:
        answer = call(function, data, uid=uid)
        self.answers.append((label, answer.body))
        return answer


def test_no_secret_leaves_through_answers_documents_or_logs(
    db: firestore.Client, team: str, log_lines: io.StringIO
) -> None:
    state = {"status": 200}
    recorder = Recorder()
    with serving(careless_service(state)) as service:
        specs: dict[str, tuple[str, dict[str, Any]]] = {
            "slack": ("slack", {"webhookUrl": f"{service.url}/services/T000/B000/{SLACK_SEGMENT}"}),
            "zapier": ("zapier", {"hookUrl": f"{service.url}/hooks/catch/1/{ZAPIER_SEGMENT}/"}),
            "rest bearer": (
                "rest",
                {
                    "baseUrl": f"{service.url}/v1",
                    "auth": {"type": "bearer", "token": REST_TOKEN},
                    "headers": {"X-Api-Key": REST_HEADER_VALUE},
                    "healthCheck": {"path": "/health"},
                },
            ),
            "graphql basic": (
                "graphql",
                {
                    "endpoint": f"{service.url}/graphql",
                    "auth": {"type": "basic", "username": GRAPHQL_USER, "password": GRAPHQL_PASSWORD},
                },
            ),
            "rest header auth": (
                "rest",
                {
                    "baseUrl": f"{service.url}/v2",
                    "auth": {
                        "type": "header",
                        "headerName": "X-Service-Key",
                        "headerValue": HEADER_AUTH_VALUE,
                    },
                },
            ),
            "webhook": ("webhook", {"url": f"{service.url}/hooks", "events": ["ticket.created", "ticket.*"]}),
        }
        ids: dict[str, str] = {}
        signing_secret = ""
        for label, (kind, config) in specs.items():
            answer = call(
                integrations_create,
                {"teamId": team, "type": kind, "name": f"Secret holder ({label})", "config": config},
                uid="admin",
            )
            assert answer.status == 200, answer.body
            body = json.loads(json.dumps(answer.body))
            if kind == "webhook":
                # The one-time display of the signing secret is the only place it may appear.
                signing_secret = body["result"].pop("signingSecret")
                assert signing_secret.startswith("whsec_")
            else:
                assert body["result"]["signingSecret"] is None
            recorder.answers.append((f"create {label}", body))
            ids[label] = answer.result["id"]
        secrets = [*FIXED_SECRETS, signing_secret, signing_secret.removeprefix("whsec_")]

        results: dict[str, list[dict[str, Any]]] = {label: [] for label in ids}
        for status in (200, 500):
            state["status"] = status
            for label, integration_id in ids.items():
                answer = recorder.call(
                    f"test {label} ({status})",
                    integrations_test,
                    {"teamId": team, "integrationId": integration_id},
                )
                assert answer.status == 200, answer.body
                results[label].append(answer.result)

        closed = f"http://127.0.0.1:{free_port()}"
        updates: dict[str, dict[str, Any]] = {
            "slack": {
                "name": "Slack, moved",
                "config": {"webhookUrl": f"{closed}/services/T000/B000/{SLACK_SEGMENT_ROTATED}"},
            },
            "zapier": {"config": {"hookUrl": f"{closed}/hooks/catch/1/{ZAPIER_SEGMENT_ROTATED}/"}},
            # A new origin: every credential bound to the old one is given again.
            "rest bearer": {
                "config": {
                    "baseUrl": f"{closed}/v1",
                    "auth": {"token": REST_TOKEN_ROTATED},
                    "headers": {"X-Api-Key": REST_HEADER_VALUE},
                }
            },
            "graphql basic": {
                "config": {"endpoint": f"{closed}/graphql", "auth": {"password": GRAPHQL_PASSWORD_ROTATED}}
            },
            "rest header auth": {
                "config": {"baseUrl": f"{closed}/v2", "auth": {"headerValue": HEADER_AUTH_VALUE_ROTATED}}
            },
            "webhook": {"description": "moved", "config": {"url": f"{closed}/hooks"}},
        }
        for label, change in updates.items():
            answer = recorder.call(
                f"update {label}",
                integrations_update,
                {"teamId": team, "integrationId": ids[label], **change},
            )
            assert answer.status == 200, answer.body
        for label, integration_id in ids.items():
            answer = recorder.call(
                f"test {label} (closed port)",
                integrations_test,
                {"teamId": team, "integrationId": integration_id},
            )
            assert answer.status == 200, answer.body
            results[label].append(answer.result)

        # Refusals that carry a secret in the refused input.
        refused = [
            recorder.call(
                "update with a token auth type none refuses",
                integrations_update,
                {
                    "teamId": team,
                    "integrationId": ids["rest bearer"],
                    "config": {"auth": {"type": "none", "token": REFUSED_TOKEN}},
                },
            ),
            recorder.call(
                "update with an oversized header value",
                integrations_update,
                {
                    "teamId": team,
                    "integrationId": ids["rest bearer"],
                    "config": {"headers": {"X-Api-Key": REFUSED_HEADER_VALUE + "x" * 5000}},
                },
            ),
            recorder.call(
                "create with credentials in the URL",
                integrations_create,
                {
                    "teamId": team,
                    "type": "zapier",
                    "name": "Refused",
                    "config": {"hookUrl": f"https://user:{REFUSED_URL_PASSWORD}@hooks.example.com/h"},
                },
            ),
        ]

        for label, integration_id in ids.items():
            ref = {"teamId": team, "integrationId": integration_id}
            assert recorder.call(f"get {label}", integrations_get, ref, uid="member").status == 200
            logs = recorder.call(f"request logs of {label}", request_logs_list, ref, uid="member")
            assert len(logs.result["items"]) == 3, logs.body
        listing = recorder.call("list", integrations_list, {"teamId": team}, uid="member")
        assert len(listing.result["items"]) == len(ids)

    # The secrets were really used: the scan below is not vacuous.
    received = json.dumps([(r.path, r.headers) for r in service.received])
    assert SLACK_SEGMENT in received
    assert ZAPIER_SEGMENT in received
    assert f"Bearer {REST_TOKEN}" in received
    assert REST_HEADER_VALUE in received
    assert basic(GRAPHQL_USER, GRAPHQL_PASSWORD) in received
    assert HEADER_AUTH_VALUE in received
    assert "v1," in received  # the webhook signature
    for label, (ok, error, unreachable) in results.items():
        assert ok["success"] is True, (label, ok)
        assert (error["success"], error["statusCode"]) == (False, 500), (label, error)
        assert unreachable["success"] is False, (label, unreachable)
        assert unreachable["message"] == "the service could not be reached", (label, unreachable)
    assert all(answer.error["status"] == "INVALID_ARGUMENT" for answer in refused)

    for label, body in recorder.answers:
        assert leaked(json.dumps(body), secrets) == [], f"the answer to `{label}` carries a secret: {body}"

    documents = all_documents(db)
    for path, document in documents.items():
        text = json.dumps(document, default=str)
        assert leaked(text, secrets) == [], f"{path} carries a secret in plaintext: {text}"
    secret_documents = {path: doc for path, doc in documents.items() if path.startswith("secrets/")}
    assert set(secret_documents) == {f"secrets/{team}/integrations/{ids[label]}" for label in ids}
    for path, document in secret_documents.items():
        encrypted = document["encrypted"]
        assert isinstance(encrypted, dict)
        assert encrypted, path
        assert all(str(value).startswith("aesgcm:") for value in encrypted.values()), path

    lines = log_lines.getvalue()
    assert "outbound request" in lines  # the log was captured
    for line in lines.splitlines():
        assert leaked(line, secrets) == [], f"a log line carries a secret: {line}"


def test_stored_secrets_decrypt_only_with_their_own_associated_data(team: str) -> None:
    rest = call(
        integrations_create,
        {
            "teamId": team,
            "type": "rest",
            "name": "Sealed",
            "config": {
                "baseUrl": "https://api.example.com",
                "auth": {"type": "bearer", "token": REST_TOKEN},
                "headers": {"X-Api-Key": REST_HEADER_VALUE},
            },
        },
        uid="admin",
    ).result
    hook = call(
        integrations_create,
        {
            "teamId": team,
            "type": "webhook",
            "name": "Signed",
            "config": {"url": "https://example.com/hooks", "events": ["*"]},
        },
        uid="admin",
    ).result

    credentials = store.get_credentials(team, rest["id"])
    hook_credentials = store.get_credentials(team, hook["id"])

    assert credentials is not None
    assert hook_credentials is not None
    assert unseal(credentials) == {"auth/token": REST_TOKEN, "headers/X-Api-Key": REST_HEADER_VALUE}
    assert unseal(hook_credentials) == {"_signingSecret": hook["signingSecret"]}
    assert REST_TOKEN not in json.dumps(credentials.model_dump(mode="json"))
    wrong_owners = [
        credentials.model_copy(update={"integration_id": hook["id"]}),
        credentials.model_copy(update={"team_id": "team-b"}),
        # Ciphertexts swapped between fields: each is bound to its own field path.
        credentials.model_copy(
            update={
                "encrypted": {
                    "auth/token": credentials.encrypted["headers/X-Api-Key"],
                    "headers/X-Api-Key": credentials.encrypted["auth/token"],
                }
            }
        ),
        # Another integration's ciphertext copied over this one's.
        credentials.model_copy(
            update={"encrypted": {"auth/token": hook_credentials.encrypted["_signingSecret"]}}
        ),
    ]
    for credentials_elsewhere in wrong_owners:
        with pytest.raises(errors.Internal):
            unseal(credentials_elsewhere)
