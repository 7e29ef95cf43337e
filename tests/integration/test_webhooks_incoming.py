"""Incoming webhooks: the four functions called in-process with real Werkzeug requests, against the real
Firestore emulator, then the processing the trigger runs, called directly.

Every signature here is computed from the providers' specifications, independently of the product.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, Response, request
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from functions import (
    integrations_create,
    integrations_test,
    webhook_generic,
    webhook_hubspot,
    webhook_slack,
    webhook_zapier,
)
from shared.integrations import config as configs
from shared.integrations import service as integration_service
from shared.integrations.service import seal, unseal
from shared.settings import reset_settings
from shared.store import integrations as integration_store
from shared.webhooks.fanout import subscribers
from shared.webhooks.processing import process
from tests.integration.conftest import all_documents
from tests.support.callables import call
from tests.support.clock import ManualClock

pytestmark = pytest.mark.usefixtures("private_networks")

_app = Flask("webhook-tests")

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ZAPIER_TOKEN = "zapier-shared-token-0123456789"
HUBSPOT_SECRET = "hubspot-app-client-secret-value"
ONE_MIB = 1024 * 1024
SOURCES = ["slack", "zapier", "hubspot", "generic"]
TIMED_SOURCES = ["slack", "hubspot", "generic"]


# ------------------------------------------------------------------ the providers' side


def slack_headers(secret: str, body: bytes, at: float) -> dict[str, str]:
    timestamp = str(int(at))
    base = b"v0:" + timestamp.encode() + b":" + body
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest(),
    }


def standard_headers(secret: str, message_id: str, body: bytes, at: float) -> dict[str, str]:
    timestamp = str(int(at))
    key = base64.b64decode(secret.split("_", 1)[1])
    content = f"{message_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return {"webhook-id": message_id, "webhook-timestamp": timestamp, "webhook-signature": f"v1,{signature}"}


def hubspot_headers(secret: str, method: str, url: str, body: bytes, at: float) -> dict[str, str]:
    timestamp = str(int(at * 1000))  # HubSpot's timestamps are milliseconds
    source = method.encode() + url.encode() + body + timestamp.encode()
    signature = base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()
    return {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp}


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def post(
    function: Callable[..., Response],
    path: str,
    body: bytes,
    headers: dict[str, str],
    content_type: str = "application/json",
    method: str = "POST",
) -> Answer:
    with _app.test_request_context(
        path, method=method, data=body, headers={"Content-Type": content_type, **headers}
    ):
        response = function(request)
    return Answer(response.status_code, json.loads(response.get_data()), dict(response.headers))


FUNCTIONS: dict[str, Callable[..., Response]] = {
    "slack": webhook_slack,
    "zapier": webhook_zapier,
    "hubspot": webhook_hubspot,
    "generic": webhook_generic,
}
INTEGRATION_TYPES = {"slack": "slack", "zapier": "zapier", "hubspot": "rest", "generic": "webhook"}


def create_integration(team: str, kind: str, config: dict[str, Any], enabled: bool = True) -> dict[str, Any]:
    answer = call(
        integrations_create,
        {"teamId": team, "type": kind, "name": f"incoming {kind}", "config": config, "enabled": enabled},
        uid="admin",
    )
    assert answer.status == 200, answer.body
    result: dict[str, Any] = answer.result
    return result


def base_config(kind: str) -> dict[str, Any]:
    return {
        "slack": {"webhookUrl": "https://hooks.slack.com/services/T0/B0/abc", "signingSecret": SLACK_SECRET},
        "zapier": {"hookUrl": "https://hooks.zapier.com/hooks/catch/1/abc", "incomingToken": ZAPIER_TOKEN},
        "rest": {"baseUrl": "https://api.hubapi.com", "webhookSecret": HUBSPOT_SECRET},
        "webhook": {"url": "https://example.com/hook", "events": ["ticket.created"]},
    }[kind]


@dataclass
class Sender:
    """One source's integration and the provider that calls it."""

    source: str
    team: str
    integration_id: str
    secret: str

    @property
    def function(self) -> Callable[..., Response]:
        return FUNCTIONS[self.source]

    @property
    def path(self) -> str:
        return f"/{self.team}/{self.integration_id}"

    def body(self, event_id: str, **extra: Any) -> bytes:
        """A typical event from this source, carrying `event_id` where the source puts its id."""
        if self.source == "slack":
            payload: Any = {
                "type": "event_callback",
                "event_id": event_id,
                "event": {"type": "app_mention", "text": "hello", "user": "U1"},
                **extra,
            }
        elif self.source == "zapier":
            payload = {"id": event_id, "action": "note.add", "data": {"text": "hi"}, **extra}
        elif self.source == "hubspot":
            payload = [
                {
                    "eventId": int(event_id) if event_id.isdigit() else event_id,
                    "subscriptionType": "contact.propertyChange",
                    "objectId": 501,
                    "propertyName": "email",
                    "propertyValue": "a@example.com",
                    "occurredAt": int(time.time() * 1000),
                    "portalId": 99,
                    **extra,
                }
            ]
        else:
            payload = {"type": "ticket.created", "data": {"id": "t1"}, **extra}
        return json.dumps(payload).encode()

    def headers(
        self,
        body: bytes,
        event_id: str,
        at: float | None = None,
        secret: str | None = None,
        method: str = "POST",
    ) -> dict[str, str]:
        moment = time.time() if at is None else at
        key = secret or self.secret
        if self.source == "slack":
            return slack_headers(key, body, moment)
        if self.source == "zapier":
            return {"X-Zapier-Token": key}
        if self.source == "hubspot":
            return hubspot_headers(key, method, f"http://localhost{self.path}", body, moment)
        return standard_headers(key, event_id, body, moment)

    def send(
        self,
        body: bytes,
        event_id: str,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        method: str = "POST",
        path: str | None = None,
    ) -> Answer:
        signed = self.headers(body, event_id) if headers is None else headers
        return post(self.function, path or self.path, body, signed, content_type, method)

    def deliver(self, event_id: str) -> Answer:
        body = self.body(event_id)
        return self.send(body, event_id)

    def document_id(self, event_id: str) -> str:
        return f"{self.source}_{event_id}"


def make_sender(team: str, source: str, **config: Any) -> Sender:
    kind = INTEGRATION_TYPES[source]
    created = create_integration(team, kind, {**base_config(kind), **config})
    secret = {
        "slack": SLACK_SECRET,
        "zapier": ZAPIER_TOKEN,
        "hubspot": HUBSPOT_SECRET,
        "generic": created.get("signingSecret") or "",
    }[source]
    if source == "generic":
        assert secret.startswith("whsec_")
    return Sender(source, team, created["id"], secret)


@pytest.fixture(params=SOURCES)
def sender(request: pytest.FixtureRequest, team: str) -> Sender:
    return make_sender(team, request.param)


@pytest.fixture(params=TIMED_SOURCES)
def timed_sender(request: pytest.FixtureRequest, team: str) -> Sender:
    return make_sender(team, request.param)


def stored_events(db: firestore.Client, team: str) -> dict[str, dict[str, Any]]:
    return {
        snapshot.id: snapshot.to_dict() or {}
        for snapshot in db.collection(f"teams/{team}/webhookEvents").stream()
    }


def tickets(db: firestore.Client, team: str) -> dict[str, dict[str, Any]]:
    return {
        snapshot.id: snapshot.to_dict() or {} for snapshot in db.collection(f"teams/{team}/tickets").stream()
    }


def sync_inbox(db: firestore.Client, team: str) -> dict[str, dict[str, Any]]:
    return {
        snapshot.id: snapshot.to_dict() or {}
        for snapshot in db.collection(f"teams/{team}/syncInbox").stream()
    }


# The error code each refusal status carries (the callable protocol's names), written out here rather
# than read from the product, so a refusal that changes kind is noticed.
REFUSAL_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
}


def assert_refused(answer: Answer, status: int) -> None:
    assert answer.status == status, answer.body
    assert set(answer.body) == {"error"}
    assert answer.body["error"]["status"] == REFUSAL_CODES[status], answer.body
    assert isinstance(answer.body["error"]["message"], str)


# ------------------------------------------------------------------ every source: the happy path


def test_a_valid_delivery_is_stored_and_acknowledged(sender: Sender, db: firestore.Client, team: str) -> None:
    body = sender.body("1001")

    sent_at = datetime.now(UTC)
    answer = sender.send(body, "1001")
    answered_at = datetime.now(UTC)

    assert answer.status == 200, answer.body
    assert answer.body == {"ok": True}
    stored = stored_events(db, team)
    assert list(stored) == [sender.document_id("1001")]
    event = stored[sender.document_id("1001")]
    assert event["source"] == sender.source
    assert event["integrationId"] == sender.integration_id
    assert event["providerEventId"] == "1001"
    assert event["status"] == "received"
    assert (
        event["eventType"]
        == {
            "slack": "app_mention",
            "zapier": "note.add",
            "hubspot": "contact.propertyChange",
            "generic": "ticket.created",
        }[sender.source]
    )
    expected_payload = json.loads(body)
    if sender.source == "hubspot":  # a batch: each event is kept as its own JSON
        assert json.loads(event["payloadJson"]) == expected_payload[0]
    else:  # one event: the body exactly as it arrived
        assert event["payloadJson"] == body.decode()
    received_at = event["receivedAt"]
    assert sent_at <= received_at <= answered_at
    assert event["expireAt"] - received_at == timedelta(days=7)


# ------------------------------------------------------------------ every source: signatures


def tamper(body: bytes) -> bytes:
    """The same JSON with one more field: still valid, no longer what was signed."""
    payload = json.loads(body)
    (payload[0] if isinstance(payload, list) else payload)["injected"] = True
    return json.dumps(payload).encode()


def test_a_tampered_body_is_refused_and_nothing_stored(
    sender: Sender, db: firestore.Client, team: str
) -> None:
    body = sender.body("1002")
    headers = sender.headers(body, "1002")
    tampered = tamper(body)
    if sender.source == "zapier":
        # A shared token signs nothing: a tampered body is accepted by design, so check the wrong
        # token instead (the next test); here, a body with no token at all.
        headers = {}

    before = all_documents(db)
    answer = sender.send(tampered, "1002", headers=headers)

    assert_refused(answer, 401)
    assert all_documents(db) == before


def test_a_wrong_secret_is_refused(sender: Sender, db: firestore.Client, team: str) -> None:
    wrong = (
        "whsec_" + base64.b64encode(b"w" * 32).decode()
        if sender.source == "generic"
        else "a-different-secret-of-some-length"
    )
    body = sender.body("1004")

    before = all_documents(db)
    answer = sender.send(body, "1004", headers=sender.headers(body, "1004", secret=wrong))

    assert_refused(answer, 401)
    assert all_documents(db) == before


def test_missing_signature_headers_are_refused(sender: Sender, db: firestore.Client, team: str) -> None:
    before = all_documents(db)
    answer = sender.send(sender.body("1005"), "1005", headers={})

    assert_refused(answer, 401)
    assert all_documents(db) == before


@pytest.mark.parametrize("offset", [-360, 360], ids=["stale", "future"])
def test_a_timestamp_six_minutes_off_is_refused(
    timed_sender: Sender, db: firestore.Client, team: str, offset: int
) -> None:
    body = timed_sender.body("1006")
    headers = timed_sender.headers(body, "1006", at=time.time() + offset)

    before = all_documents(db)
    answer = timed_sender.send(body, "1006", headers=headers)

    assert_refused(answer, 401)
    assert "5-minute" in answer.body["error"]["message"]
    assert all_documents(db) == before


def test_a_timestamp_four_minutes_off_is_accepted(timed_sender: Sender) -> None:
    body = timed_sender.body("1007")

    answer = timed_sender.send(body, "1007", headers=timed_sender.headers(body, "1007", at=time.time() - 240))

    assert answer.status == 200, answer.body


# Bodies a parser refuses or chokes on. Verification comes first, over the raw bytes, so whatever the body
# holds an unsigned or wrongly signed request is a 401; a source that parsed first would answer 400 (or
# 500, for a parser that reads a signature header the request lacks).
UNPARSABLE_BODIES = {
    "truncated JSON": b'{"type": "ticket.created", "id": ',
    "not UTF-8": b"\xff\xfe\x00 not text",
    "empty": b"",
    "a bare string": b'"just a string"',
    "nested 5,000 deep": b"[" * 5000 + b"]" * 5000,
    "a mebibyte of brackets": b"[" * (ONE_MIB - 1),
    "a form of nothing Slack sends": b"hello=world&%%%=&",
}


def wrong_secret(source: str) -> str:
    if source == "generic":
        return "whsec_" + base64.b64encode(b"w" * 32).decode()
    return "a-different-secret-of-some-length"


def test_the_signature_is_verified_before_the_body_is_parsed(sender: Sender, db: firestore.Client) -> None:
    before = all_documents(db)
    answers = {}
    for name, body in UNPARSABLE_BODIES.items():
        # Slack takes forms too: its form parser must not run first either.
        form = sender.source == "slack" and b"=" in body
        content_type = "application/x-www-form-urlencoded" if form else "application/json"
        wrongly_signed = sender.headers(body, "4001", secret=wrong_secret(sender.source))
        for signing, headers in [("unsigned", {}), ("wrongly signed", wrongly_signed)]:
            answers[f"{name}, {signing}"] = sender.send(
                body, "4001", headers=headers, content_type=content_type
            )

    for case, answer in answers.items():
        assert answer.status == 401, (case, answer)
        assert_refused(answer, 401)
    assert all_documents(db) == before


@contextmanager
def held_by_another_transaction(db: firestore.Client, path: str) -> Iterator[None]:
    """Another client's transaction reads `path` and holds it. The emulator locks pessimistically, so
    every other write to that document waits for the lock, then fails with ABORTED ("Transaction lock
    timeout"): a real database failure, on this one document only."""
    other = firestore.Client(project=db.project, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    locked, release = threading.Event(), threading.Event()

    @firestore.transactional
    def hold(transaction: firestore.Transaction) -> None:
        other.document(path).get(transaction=transaction)
        locked.set()
        release.wait(60)

    holder = threading.Thread(target=hold, args=(other.transaction(),))
    holder.start()
    try:
        assert locked.wait(30), "the other transaction never read the document"
        yield
    finally:
        release.set()
        holder.join(60)


@pytest.mark.parametrize(
    ("source", "event_ids"),
    [("generic", ["5001"]), ("hubspot", ["7001", "7002"])],
    ids=["one event", "a batch"],
)
def test_a_database_failure_while_storing_answers_503_so_the_sender_retries(
    team: str, db: firestore.Client, source: str, event_ids: list[str], log_lines: io.StringIO
) -> None:
    sender = make_sender(team, source)
    body = hubspot_batch(301, 302) if source == "hubspot" else sender.body(event_ids[0])
    headers = sender.headers(body, event_ids[0])
    last_event = f"teams/{team}/webhookEvents/{sender.document_id(event_ids[-1])}"

    with held_by_another_transaction(db, last_event):
        failed = sender.send(body, event_ids[0], headers=headers)
    retried = sender.send(body, event_ids[0], headers=headers)

    # Not 2xx (the event would be lost) and not 4xx (HubSpot, among others, never retries those).
    assert failed.status == 503, failed.body
    assert failed.body["error"]["status"] == "UNAVAILABLE"
    [not_stored] = logged(log_lines, "webhook not stored")
    assert (not_stored["severity"], not_stored["code"]) == ("WARNING", "aborted")
    assert not_stored["reason"] == "the write conflicted with another one; try again"
    assert retried.status == 200, retried.body
    assert sorted(stored_events(db, team)) == sorted(sender.document_id(event_id) for event_id in event_ids)


def logged(log_lines: io.StringIO, message: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    return [line for line in lines if line["message"] == message]


def test_each_answer_is_logged_with_the_request_and_the_endpoint(
    team: str, db: firestore.Client, log_lines: io.StringIO
) -> None:
    generic = make_sender(team, "generic")
    body = generic.body("6001")
    trace = {"X-Cloud-Trace-Context": "0af7651916cd43dd8448eb211c80319c/1234;o=1"}

    generic.send(body, "6001", headers={**generic.headers(body, "6001"), **trace})
    generic.send(body, "6002", headers=trace)
    generic.send(body, "6003", headers={})

    [answered] = logged(log_lines, "webhook answered")
    [refused, untraced] = logged(log_lines, "webhook refused")
    assert "requestId" not in untraced  # no trace header: no request id, rather than an invented one
    for line in (answered, refused):
        assert line["function"] == "webhook_generic"
        assert line["source"] == "generic"
        assert line["requestId"] == "0af7651916cd43dd8448eb211c80319c"  # the trace id, without the span
        assert (line["teamId"], line["integrationId"]) == (team, generic.integration_id)
        assert isinstance(line["durationMs"], float)
    assert answered["status"] == 200
    assert (refused["status"], refused["reason"]) == (401, "missing webhook-id or webhook-signature")


# ------------------------------------------------------------------ every source: duplicates


def test_a_replayed_event_is_a_duplicate_and_changes_nothing(
    sender: Sender, db: firestore.Client, team: str
) -> None:
    first = sender.deliver("1010")
    before = stored_events(db, team)

    again = sender.deliver("1010")

    assert first.body == {"ok": True}
    assert again.status == 200, again.body
    assert again.body == {"ok": True, "duplicate": True}
    assert stored_events(db, team) == before
    assert len(before) == 1


def run_at_once(work: Callable[[], Any], count: int) -> list[Any]:
    """`count` threads released together; their results (an exception fails the test)."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            result = work()
        except BaseException as error:  # noqa: BLE001 - reported below
            with lock:
                failures.append(error)
            return
        with lock:
            results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return results


def ticket_event(sender: Sender, event_id: str) -> tuple[bytes, str]:
    """(a body that asks for a ticket, its content type), for the sources that open tickets."""
    if sender.source == "slack":
        form = {
            "command": "/ticket",
            "text": "Printer on fire",
            "user_id": "U42",
            "user_name": "ada",
            "team_id": "T1",
            "channel_id": "C1",
            "trigger_id": event_id,
        }
        return urlencode(form).encode(), "application/x-www-form-urlencoded"
    body = {
        "id": event_id,
        "action": "ticket.create",
        "data": {"subject": "Printer on fire", "priority": "high", "requesterEmail": "ada@example.com"},
    }
    return json.dumps(body).encode(), "application/json"


def test_fifty_concurrent_deliveries_store_one_event_and_one_outcome(
    sender: Sender, db: firestore.Client, team: str
) -> None:
    if sender.source in {"slack", "zapier"}:
        body, content_type = ticket_event(sender, "2001")
    else:
        body, content_type = sender.body("2001"), "application/json"
    headers = sender.headers(body, "2001")

    answers = run_at_once(lambda: sender.send(body, "2001", headers, content_type), 50)

    assert [answer.status for answer in answers] == [200] * 50
    assert sum(1 for answer in answers if not answer.body.get("duplicate")) == 1
    stored = stored_events(db, team)
    assert list(stored) == [sender.document_id("2001")]

    # The trigger is delivered at least once: several deliveries of it may even run at the same time.
    run_at_once(lambda: process(team, sender.document_id("2001")), 10)

    assert stored_events(db, team)[sender.document_id("2001")]["status"] == "processed"
    if sender.source in {"slack", "zapier"}:
        assert list(tickets(db, team)) == [f"webhook_{sender.document_id('2001')}"]
    elif sender.source == "hubspot":
        assert list(sync_inbox(db, team)) == ["hubspot_501"]
        assert tickets(db, team) == {}
    else:
        assert tickets(db, team) == {}


# ------------------------------------------------------------------ every source: the transport checks


def test_malformed_json_with_a_valid_signature_is_a_bad_request(
    sender: Sender, db: firestore.Client, team: str
) -> None:
    body = b'{"type": "ticket.created", "id": '

    before = all_documents(db)
    answer = sender.send(body, "3001")

    assert_refused(answer, 400)
    assert all_documents(db) == before


def test_a_body_that_is_not_the_expected_shape_is_a_bad_request(
    sender: Sender, db: firestore.Client, team: str
) -> None:
    body = b'"just a string"'

    before = all_documents(db)
    answer = sender.send(body, "3002")

    assert_refused(answer, 400)
    assert all_documents(db) == before


def test_a_body_over_one_mebibyte_is_too_large(sender: Sender, db: firestore.Client, team: str) -> None:
    body = b"x" * (ONE_MIB + 1)

    before = all_documents(db)
    answer = sender.send(body, "3003")

    assert_refused(answer, 413)
    assert all_documents(db) == before


def test_a_body_over_one_mebibyte_without_a_length_is_too_large(
    sender: Sender, db: firestore.Client, team: str
) -> None:
    """A chunked body declares no length: the limit applies to what is actually read."""
    body = b"[" * (ONE_MIB + 1)
    before = all_documents(db)
    with _app.test_request_context(
        sender.path,
        method="POST",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", **sender.headers(body, "3004")},
        environ_overrides={
            "wsgi.input_terminated": True,
            "CONTENT_LENGTH": "",
            "HTTP_TRANSFER_ENCODING": "chunked",
        },
    ):
        assert request.content_length is None
        response = sender.function(request)

    assert response.status_code == 413
    assert all_documents(db) == before


def test_plain_text_is_an_unsupported_media_type(sender: Sender, db: firestore.Client, team: str) -> None:
    body = sender.body("3005")

    before = all_documents(db)
    answer = sender.send(body, "3005", content_type="text/plain")

    assert_refused(answer, 415)
    assert all_documents(db) == before


def test_json_with_a_charset_is_accepted(sender: Sender) -> None:
    answer = sender.send(sender.body("3006"), "3006", content_type="application/json; charset=utf-8")

    assert answer.status == 200, answer.body


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_not_allowed(sender: Sender, db: firestore.Client, team: str, method: str) -> None:
    before = all_documents(db)
    answer = sender.send(b"", "3007", method=method)

    assert_refused(answer, 405)
    assert answer.headers["Allow"] == "POST"
    assert all_documents(db) == before


@pytest.mark.parametrize(
    "path",
    ["/{team}/no-such-integration", "/other-team/{integration}", "/{integration}", "/", "/{team}/bad.id"],
    ids=["unknown integration", "other team", "one segment", "no segment", "malformed id"],
)
def test_an_unknown_endpoint_is_not_found(sender: Sender, db: firestore.Client, team: str, path: str) -> None:
    target = path.format(team=team, integration=sender.integration_id)

    before = all_documents(db)
    answer = sender.send(sender.body("3008"), "3008", path=target)

    assert_refused(answer, 404)
    assert all_documents(db) == before


def test_an_integration_of_another_type_is_not_found(sender: Sender, db: firestore.Client, team: str) -> None:
    other_source = {"slack": "zapier", "zapier": "generic", "hubspot": "slack", "generic": "hubspot"}
    other = make_sender(team, other_source[sender.source])
    body = sender.body("3009")

    before = all_documents(db)
    answer = sender.send(body, "3009", path=other.path)

    assert_refused(answer, 404)
    assert all_documents(db) == before


def test_a_disabled_integration_is_not_found(sender: Sender, db: firestore.Client, team: str) -> None:
    kind = INTEGRATION_TYPES[sender.source]
    disabled = create_integration(team, kind, base_config(kind), enabled=False)
    body = sender.body("3010")

    before = all_documents(db)
    answer = sender.send(body, "3010", path=f"/{team}/{disabled['id']}")

    assert_refused(answer, 404)
    assert all_documents(db) == before


def test_the_path_may_carry_a_prefix(sender: Sender, db: firestore.Client, team: str) -> None:
    """Served by name (`/webhook_x/{team}/{id}`), the last two segments still name the endpoint."""
    if sender.source == "hubspot":
        body = sender.body("3011")
        url = f"http://localhost/webhook_hubspot{sender.path}"
        headers = hubspot_headers(sender.secret, "POST", url, body, time.time())
        answer = sender.send(body, "3011", headers=headers, path=f"/webhook_hubspot{sender.path}")
    else:
        answer = sender.send(sender.body("3011"), "3011", path=f"/webhook_{sender.source}{sender.path}")

    assert answer.status == 200, answer.body
    assert list(stored_events(db, team)) == [sender.document_id("3011")]


@pytest.mark.parametrize(
    ("source", "config_without_secret"),
    [
        ("slack", {"webhookUrl": "https://hooks.slack.com/services/T0/B0/abc"}),
        ("zapier", {"hookUrl": "https://hooks.zapier.com/hooks/catch/1/abc"}),
        ("hubspot", {"baseUrl": "https://api.hubapi.com"}),
    ],
)
def test_an_integration_without_its_secret_is_not_found(
    team: str, db: firestore.Client, source: str, config_without_secret: dict[str, Any]
) -> None:
    created = create_integration(team, INTEGRATION_TYPES[source], config_without_secret)
    unsigned = Sender(source, team, created["id"], "some-secret-the-integration-lacks")

    before = all_documents(db)
    answer = unsigned.deliver("3012")

    assert_refused(answer, 404)
    assert all_documents(db) == before


# ------------------------------------------------------------------ Slack


def test_slack_url_verification_answers_the_challenge_and_stores_nothing(
    team: str, db: firestore.Client
) -> None:
    slack = make_sender(team, "slack")
    body = json.dumps(
        {
            "type": "url_verification",
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        }
    ).encode()

    before = all_documents(db)
    answer = slack.send(body, "-")

    assert answer.status == 200
    assert answer.body == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert all_documents(db) == before


def test_slack_url_verification_must_be_signed(team: str, db: firestore.Client) -> None:
    slack = make_sender(team, "slack")
    body = json.dumps({"type": "url_verification", "challenge": "c"}).encode()

    answer = slack.send(body, "-", headers=slack_headers("not-the-secret-at-all", body, time.time()))

    assert_refused(answer, 401)


def test_a_slack_slash_command_becomes_a_ticket(team: str, db: firestore.Client) -> None:
    slack = make_sender(team, "slack")
    trigger_id = "13345224609.738474920.8088930838d88f008e0"
    body, content_type = ticket_event(slack, trigger_id)

    answer = slack.send(body, trigger_id, content_type=content_type)

    assert answer.status == 200, answer.body
    assert answer.body["ok"] is True
    assert answer.body["response_type"] == "ephemeral"
    # Answered before any work (Slack wants an answer within 3 s): the ticket comes from processing.
    assert tickets(db, team) == {}
    [(event_id, event)] = stored_events(db, team).items()
    assert event_id.startswith("slack~13345224609_738474920_")
    assert len(event_id) <= 128
    assert event["eventType"] == "slash_command"
    assert event["providerEventId"] == trigger_id
    assert json.loads(event["payloadJson"])["text"] == "Printer on fire"

    assert process(team, event_id) == "ticket created"
    assert process(team, event_id) == "skipped: processed"

    [(ticket_id, ticket)] = tickets(db, team).items()
    assert ticket_id == f"webhook_{event_id}"
    assert ticket["subject"] == "Printer on fire"
    assert ticket["source"] == "slack"
    assert ticket["status"] == "open"
    assert ticket["requester"] == {
        "slackUserId": "U42",
        "slackUserName": "ada",
        "slackTeamId": "T1",
        "slackChannelId": "C1",
    }
    assert stored_events(db, team)[event_id]["status"] == "processed"


def test_a_slash_command_redelivered_after_processing_creates_no_second_ticket(
    team: str, db: firestore.Client
) -> None:
    slack = make_sender(team, "slack")
    body, content_type = ticket_event(slack, "T-trigger-1")
    slack.send(body, "-", content_type=content_type)
    [event_id] = stored_events(db, team)
    process(team, event_id)
    # The event was processed, then the trigger fires again as if it had never finished.
    db.document(f"teams/{team}/webhookEvents/{event_id}").update({"status": "received"})

    again = slack.send(
        body, "-", headers=slack_headers(SLACK_SECRET, body, time.time()), content_type=content_type
    )
    outcome = process(team, event_id)

    assert again.body["duplicate"] is True
    assert outcome == "ticket existed"
    assert len(tickets(db, team)) == 1


def test_a_slack_interaction_payload_is_stored_with_its_type(team: str, db: firestore.Client) -> None:
    slack = make_sender(team, "slack")
    payload = {"type": "block_actions", "trigger_id": "98765.4321.abc", "actions": [{"action_id": "a"}]}
    body = urlencode({"payload": json.dumps(payload)}).encode()

    answer = slack.send(body, "-", content_type="application/x-www-form-urlencoded")

    assert answer.status == 200, answer.body
    [event] = stored_events(db, team).values()
    assert event["eventType"] == "block_actions"
    assert json.loads(event["payloadJson"]) == payload


def test_a_slack_form_that_is_neither_command_nor_interaction_is_a_bad_request(
    team: str, db: firestore.Client
) -> None:
    slack = make_sender(team, "slack")

    before = all_documents(db)
    answer = slack.send(b"hello=world", "-", content_type="application/x-www-form-urlencoded")

    assert_refused(answer, 400)
    assert all_documents(db) == before


def test_an_event_type_the_integration_does_not_take_is_stored_as_ignored(
    team: str, db: firestore.Client
) -> None:
    slack = make_sender(team, "slack", incomingEvents=["app_mention"])
    body, content_type = ticket_event(slack, "T-ignored-1")

    answer = slack.send(body, "-", content_type=content_type)

    assert answer.status == 200, answer.body
    [(event_id, event)] = stored_events(db, team).items()
    assert event["status"] == "ignored"
    assert process(team, event_id) == "skipped: ignored"
    assert tickets(db, team) == {}
    assert stored_events(db, team)[event_id]["status"] == "ignored"


def test_a_listed_event_type_and_a_group_wildcard_are_received(team: str, db: firestore.Client) -> None:
    generic = make_sender(team, "generic", incomingEvents=["ticket.*", "contact.created"])
    for message_id, event_type in [
        ("m1", "ticket.updated"),
        ("m2", "contact.created"),
        ("m3", "contact.deleted"),
    ]:
        body = json.dumps({"type": event_type}).encode()
        assert generic.send(body, message_id).status == 200

    statuses = {event_id: event["status"] for event_id, event in stored_events(db, team).items()}

    assert statuses == {"generic_m1": "received", "generic_m2": "received", "generic_m3": "ignored"}


# ------------------------------------------------------------------ Zapier


def test_a_zapier_ticket_create_action_becomes_a_ticket(team: str, db: firestore.Client) -> None:
    zapier = make_sender(team, "zapier")
    body, _ = ticket_event(zapier, "zap-run-77")

    answer = zapier.send(body, "zap-run-77")

    assert answer.body == {"ok": True}
    assert process(team, "zapier_zap-run-77") == "ticket created"
    ticket = tickets(db, team)["webhook_zapier_zap-run-77"]
    assert ticket["subject"] == "Printer on fire"
    assert ticket["priority"] == "high"
    assert ticket["requester"] == {"email": "ada@example.com"}
    assert ticket["source"] == "zapier"
    assert ticket["sourceRef"] == "webhookEvents/zapier_zap-run-77"


def test_a_zapier_action_without_an_id_is_deduplicated_by_its_body(team: str, db: firestore.Client) -> None:
    zapier = make_sender(team, "zapier")
    body = json.dumps({"event": "contact.created", "data": {"email": "x@example.com"}}).encode()

    first, again = zapier.send(body, "-"), zapier.send(body, "-")

    assert (first.body, again.body) == ({"ok": True}, {"ok": True, "duplicate": True})
    [event_id] = stored_events(db, team)
    assert event_id == "zapier_" + hashlib.sha256(body).hexdigest()


def test_a_zapier_ticket_with_bad_data_fails_with_a_reason(team: str, db: firestore.Client) -> None:
    zapier = make_sender(team, "zapier")
    body = json.dumps({"id": "bad-1", "action": "ticket.create", "data": {"priority": "high"}}).encode()
    zapier.send(body, "bad-1")

    outcome = process(team, "zapier_bad-1")

    event = stored_events(db, team)["zapier_bad-1"]
    assert outcome == "failed"
    assert event["status"] == "failed"
    assert "subject" in event["failureReason"]
    assert tickets(db, team) == {}


# ------------------------------------------------------------------ HubSpot


def hubspot_batch(*object_ids: int, first_event_id: int = 7001) -> bytes:
    now_ms = int(time.time() * 1000)
    return json.dumps(
        [
            {
                "eventId": first_event_id + index,
                "subscriptionId": 12,
                "portalId": 99,
                "appId": 5,
                "occurredAt": now_ms,
                "subscriptionType": "contact.propertyChange",
                "attemptNumber": 0,
                "objectId": object_id,
                "propertyName": "firstname",
                "propertyValue": f"Name {index}",
                "changeSource": "CRM",
            }
            for index, object_id in enumerate(object_ids)
        ]
    ).encode()


def test_a_hubspot_batch_stores_each_event_and_marks_each_contact_for_sync(
    team: str, db: firestore.Client
) -> None:
    hubspot = make_sender(team, "hubspot")
    body = hubspot_batch(301, 302)

    answer = hubspot.send(body, "-")

    assert answer.status == 200, answer.body
    assert answer.body == {"ok": True, "stored": 2, "duplicates": 0}
    stored = stored_events(db, team)
    assert sorted(stored) == ["hubspot_7001", "hubspot_7002"]
    assert {event["eventType"] for event in stored.values()} == {"contact.propertyChange"}

    for event_id in stored:
        assert process(team, event_id) == "contact marked for sync"

    inbox = sync_inbox(db, team)
    assert sorted(inbox) == ["hubspot_301", "hubspot_302"]
    assert inbox["hubspot_301"]["pending"] is True
    assert inbox["hubspot_301"]["objectId"] == "301"
    assert inbox["hubspot_301"]["changedProperty"] == "firstname"
    assert inbox["hubspot_301"]["webhookEventId"] == "hubspot_7001"
    assert {event["status"] for event in stored_events(db, team).values()} == {"processed"}


def test_a_hubspot_batch_partly_seen_before_stores_only_the_new_events(
    team: str, db: firestore.Client
) -> None:
    hubspot = make_sender(team, "hubspot")
    hubspot.send(hubspot_batch(301), "-")
    first_document = stored_events(db, team)["hubspot_7001"]

    answer = hubspot.send(hubspot_batch(301, 302), "-")

    assert answer.body == {"ok": True, "stored": 1, "duplicates": 1}
    stored = stored_events(db, team)
    assert sorted(stored) == ["hubspot_7001", "hubspot_7002"]
    assert stored["hubspot_7001"] == first_document

    replay = hubspot.send(hubspot_batch(301, 302), "-")

    assert replay.body == {"ok": True, "duplicate": True, "stored": 0, "duplicates": 2}


def test_a_hubspot_event_without_an_event_id_refuses_the_batch(team: str, db: firestore.Client) -> None:
    hubspot = make_sender(team, "hubspot")
    events = json.loads(hubspot_batch(301, 302))
    del events[1]["eventId"]
    body = json.dumps(events).encode()

    before = all_documents(db)
    answer = hubspot.send(body, "-")

    assert_refused(answer, 400)
    assert all_documents(db) == before


def test_hubspot_behind_a_tls_proxy_is_verified_against_the_https_url(
    team: str, db: firestore.Client
) -> None:
    hubspot = make_sender(team, "hubspot")
    body = hubspot_batch(301)
    headers = hubspot_headers(HUBSPOT_SECRET, "POST", f"https://localhost{hubspot.path}", body, time.time())

    answer = hubspot.send(body, "-", headers={**headers, "X-Forwarded-Proto": "https"})

    assert answer.status == 200, answer.body


def test_hubspot_with_a_public_base_url_is_verified_against_it(
    team: str, db: firestore.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_PUBLIC_BASE_URL", "https://hooks.example.com/")
    reset_settings()
    hubspot = make_sender(team, "hubspot")
    body = hubspot_batch(301)
    public = f"https://hooks.example.com/webhook_hubspot{hubspot.path}?portal=99"
    headers = hubspot_headers(HUBSPOT_SECRET, "POST", public, body, time.time())

    answer = hubspot.send(body, "-", headers=headers, path=f"{hubspot.path}?portal=99")

    assert answer.status == 200, answer.body


def test_hubspot_signs_the_url_with_some_characters_decoded(team: str, db: firestore.Client) -> None:
    hubspot = make_sender(team, "hubspot")
    body = hubspot_batch(301)
    # HubSpot decodes %3A and friends in the URI before signing.
    signed_url = f"http://localhost{hubspot.path}?since=2024-01-01T00:00:00Z"
    headers = hubspot_headers(HUBSPOT_SECRET, "POST", signed_url, body, time.time())

    answer = hubspot.send(body, "-", headers=headers, path=f"{hubspot.path}?since=2024-01-01T00%3A00%3A00Z")

    assert answer.status == 200, answer.body


# ------------------------------------------------------------------ Standard Webhooks


def test_the_previous_secret_is_accepted_during_a_rotation_only(team: str, db: firestore.Client) -> None:
    generic = make_sender(team, "generic")
    old_secret = generic.secret
    new_secret = "whsec_" + base64.b64encode(b"n" * 32).decode()

    def rotate(previous_valid_until: datetime) -> None:
        credentials = integration_store.get_credentials(team, generic.integration_id)
        secrets = unseal(credentials)
        secrets[configs.PREVIOUS_SIGNING_SECRET] = old_secret
        secrets[configs.SIGNING_SECRET] = new_secret
        db.document(f"secrets/{team}/integrations/{generic.integration_id}").set(
            seal(team, generic.integration_id, secrets).to_firestore()
        )
        db.document(f"teams/{team}/integrations/{generic.integration_id}").update(
            {"previousSecretExpiresAt": previous_valid_until}
        )
        # Written behind the instance's back: let its cached copy expire now rather than in 10 s.
        integration_service.forget_cached(team, generic.integration_id)

    rotate(datetime.now(UTC) + timedelta(hours=24))
    body = json.dumps({"type": "ticket.created"}).encode()
    with_old = generic.send(body, "r1", headers=standard_headers(old_secret, "r1", body, time.time()))
    with_new = generic.send(body, "r2", headers=standard_headers(new_secret, "r2", body, time.time()))

    rotate(datetime.now(UTC) - timedelta(seconds=1))
    old_after_overlap = generic.send(
        body, "r3", headers=standard_headers(old_secret, "r3", body, time.time())
    )

    assert with_old.status == 200, with_old.body
    assert with_new.status == 200, with_new.body
    assert_refused(old_after_overlap, 401)


def test_several_signatures_one_of_them_valid_are_accepted(team: str, db: firestore.Client) -> None:
    generic = make_sender(team, "generic")
    body = json.dumps({"type": "ticket.created"}).encode()
    valid = standard_headers(generic.secret, "s1", body, time.time())
    other = standard_headers("whsec_" + base64.b64encode(b"o" * 32).decode(), "s1", body, time.time())
    headers = {
        **valid,
        "webhook-signature": f"v1a,zzz {other['webhook-signature']} {valid['webhook-signature']}",
    }

    answer = generic.send(body, "s1", headers=headers)

    assert answer.status == 200, answer.body


def test_a_signature_header_with_odd_characters_is_refused_not_crashed(
    team: str, db: firestore.Client
) -> None:
    generic = make_sender(team, "generic")
    body = json.dumps({"type": "ticket.created"}).encode()
    headers = standard_headers(generic.secret, "s2", body, time.time())

    answer = generic.send(
        body,
        "s2",
        headers={
            **headers,
            "webhook-signature": "v1,\u00e9t\u00e9",
            "webhook-timestamp": headers["webhook-timestamp"],
        },
    )
    odd_timestamp = generic.send(body, "s2", headers={**headers, "webhook-timestamp": "\u00b2"})

    assert_refused(answer, 401)
    assert_refused(odd_timestamp, 401)


def test_payloads_firestore_cannot_hold_as_a_map_are_stored_as_they_arrived(
    team: str, db: firestore.Client
) -> None:
    """Arrays in arrays, 1,500-byte field names, reserved and empty names, 70-bit integers, 30 levels:
    all valid JSON a sender may sign. Each is stored (as text), so the sender is not made to retry."""
    generic = make_sender(team, "generic")
    deep: Any = "bottom"
    for _ in range(30):
        deep = {"level": deep}
    odd = {
        "type": "odd",
        "matrix": [[1, 2], [3, [4, 5]]],
        "k" * 1600: "a field name over 1,500 bytes",
        "deep": deep,
        "huge": 2**70,
        "__name__": "reserved",
        "": "empty key",
    }
    body = json.dumps(odd).encode()

    answer = generic.send(body, "odd-1")
    retried = generic.send(body, "odd-1")

    assert (answer.status, retried.status) == (200, 200), (answer, retried)
    assert retried.body.get("duplicate") is True
    stored = stored_events(db, team)["generic_odd-1"]
    assert stored["payloadJson"] == body.decode()
    assert stored["payloadTruncated"] is False
    assert stored["eventType"] == "odd"


def test_a_payload_too_large_to_keep_is_stored_as_its_size_and_hash(team: str, db: firestore.Client) -> None:
    generic = make_sender(team, "generic")
    body = json.dumps({"type": "large", "blob": "y" * (400 * 1024)}).encode()

    answer = generic.send(body, "large-1")

    assert answer.status == 200, answer
    stored = stored_events(db, team)["generic_large-1"]
    assert stored["payloadTruncated"] is True
    assert stored["payloadJson"] is None
    assert stored["payloadBytes"] == len(body)
    assert stored["payloadSha256"] == hashlib.sha256(body).hexdigest()
    assert stored["eventType"] == "large"


def test_a_long_message_id_is_hashed_into_a_valid_document_id(team: str, db: firestore.Client) -> None:
    generic = make_sender(team, "generic")
    message_id = "msg/" + "z" * 300
    body = json.dumps({"type": "ticket.created"}).encode()

    first = generic.send(body, message_id)
    again = generic.send(body, message_id)

    assert (first.status, again.body.get("duplicate")) == (200, True)
    [event_id] = stored_events(db, team)
    assert event_id.startswith("generic~msg_zzz")
    assert len(event_id) <= 128
    assert stored_events(db, team)[event_id]["providerEventId"] == message_id


def test_a_plain_id_spelled_like_a_hashed_one_is_a_different_event(team: str, db: firestore.Client) -> None:
    """An attacker who knows how long ids are shortened cannot make a plain id land on another's document
    (and have a real event dropped as its duplicate)."""
    generic = make_sender(team, "generic")
    body = json.dumps({"type": "ticket.created"}).encode()
    real_id = "order.paid.42"
    generic.send(body, real_id)
    [stored_id] = stored_events(db, team)
    lookalike = stored_id[len("generic") + 1 :].replace("~", "-")  # the old hashed form, as a plain id

    answer = generic.send(body, lookalike)

    assert answer.status == 200
    assert answer.body.get("duplicate") is None
    assert len(stored_events(db, team)) == 2


def test_a_change_made_elsewhere_takes_effect_within_the_cache_bound(
    team: str, db: firestore.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTEGRATION_CACHE_SECONDS", "10")
    reset_settings()
    integration_service.reset_cache()
    clock = ManualClock()
    # The instance's cache of integrations, on a clock this test moves.
    integration_service._loaded_cache().clock = clock
    generic = make_sender(team, "generic")
    body = json.dumps({"type": "ticket.created"}).encode()

    def deliver(message_id: str) -> int:
        return generic.send(
            body, message_id, headers=standard_headers(generic.secret, message_id, body, time.time())
        ).status

    first = deliver("c1")
    # Another instance disables the integration: this one answers from its copy until the bound passes.
    db.document(f"teams/{team}/integrations/{generic.integration_id}").update({"enabled": False})
    clock.advance(9.9)
    within_the_bound = deliver("c2")
    clock.advance(0.2)
    past_the_bound = deliver("c3")

    assert (first, within_the_bound, past_the_bound) == (200, 200, 404)


# ------------------------------------------------------------------ receive-only webhook integrations


def test_a_webhook_integration_without_url_only_receives(db: firestore.Client, team: str) -> None:
    created = create_integration(team, "webhook", {"incomingEvents": ["ticket.created"]})
    receiver = Sender("generic", team, created["id"], created["signingSecret"])

    accepted = receiver.deliver("evt-receive-only")
    tested = call(integrations_test, {"teamId": team, "integrationId": created["id"]}, uid="admin")

    assert accepted.status == 200, accepted.body
    assert "generic_evt-receive-only" in stored_events(db, team)
    assert tested.result["success"] is True
    assert f"/webhook_generic/{team}/{created['id']}" in tested.result["message"]
    assert created["signingSecret"] not in json.dumps(tested.body)
    # It subscribes to nothing: no event of the product is ever sent out for it.
    assert [s for s in subscribers(team, "ticket.created") if s.integration_id == created["id"]] == []
