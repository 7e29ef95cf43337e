"""Schemathesis against the served `public_api`: every operation of the served `/v1/openapi.json`,
fuzzed with valid and invalid input, answers no 5xx and only what the document says (status, content
type, headers, body schema).

The function runs under functions-framework on the test Firestore emulator, as in the other served
tests; the key holds `admin:full`, so every operation gets past its scope and reaches its handler. Half
the cases of an operation with an `{id}` ask for a contact that exists (seeded again before each, since
a DELETE case removes it), so the handlers' found branches answer too, not only their 404s.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from itertools import count

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from functions import api_keys_create
from shared.api_keys.validation import reset_validator
from shared.models.helpdesk import ContactCreate
from shared.models.teams import Role
from shared.public_api import openapi
from shared.public_api.routes import router
from shared.settings import reset_settings
from shared.store import client, contacts, members
from tests.support.callables import call
from tests.support.firestore_emulator import FirestoreEmulator
from tests.support.function_server import FunctionServer

SEEDED_CONTACT = "fuzz-contact"
_ROUTER_REFUSES = re.compile(r"[\n\r]|%0[AaDd]")
# A bound on the whole run rather than per operation, so the test stays near a minute as routes are
# added: 25 examples each for up to 24 operations, fewer each beyond.
TOTAL_EXAMPLES = 600
EXAMPLES_PER_OPERATION = max(5, min(25, TOTAL_EXAMPLES // max(1, len(router().routes) + 1)))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 11,
        # The coverage phase enumerates boundary cases without a bound of its own; the fuzzing phase
        # (positive and negative input) is bounded by max-examples.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "database": "none"},
    }
)


class Served:
    def __init__(self, url: str, key: str, team: str) -> None:
        self.url = url
        self.key = key
        self.team = team
        self.cases = count()


@pytest.fixture(scope="module")
def served(firestore_emulator: FirestoreEmulator) -> Iterator[Served]:
    """One server and one fresh project for the module: schemathesis makes one test per operation."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GCLOUD_PROJECT", f"test-{uuid.uuid4().hex[:12]}")
        reset_settings()
        client.reset_client()
        reset_validator()
        team = "team-a"
        members.set_role(team, "admin", Role.ADMIN)
        answer = call(
            api_keys_create, {"teamId": team, "name": "fuzz", "scopes": ["admin:full"]}, uid="admin"
        )
        assert answer.status == 200, answer.body
        server = FunctionServer("public_api")
        server.start()
        try:
            server.wait_until_ready()
            yield Served(server.url.rstrip("/"), answer.result["key"], team)
        finally:
            server.stop()
            reset_validator()
            client.reset_client()
            reset_settings()


# schemathesis 4.32's lazy loading (`schemathesis.pytest.from_fixture`) sets `request.node._nodeid`,
# which pytest 9 no longer has; so the schema is the document built in-process, and the first test
# checks that the server serves exactly this document.
schema = schemathesis.openapi.from_dict(openapi.document(), config=CONFIG)


def test_the_served_document_is_the_one_fuzzed_and_needs_no_key(served: Served) -> None:
    answer = requests.get(f"{served.url}/v1/openapi.json", timeout=30)
    behind_hosting = requests.get(f"{served.url}/api/v1/openapi.json", timeout=30)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == openapi.document()
    assert "RateLimit" not in answer.headers
    assert behind_hosting.json() == answer.json()


@schema.parametrize()
@settings(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented_and_never_5xx(case: Case, served: Served) -> None:
    # functions-framework's own router (Werkzeug's `path` converter) answers its HTML 404 for a path
    # holding a line break, before `public_api` runs: nothing of ours to check there.
    assume(not any(_ROUTER_REFUSES.search(str(value)) for value in (case.path_parameters or {}).values()))
    if "id" in (case.path_parameters or {}) and next(served.cases) % 2 == 0:
        case.path_parameters = {**(case.path_parameters or {}), "id": SEEDED_CONTACT}
        contacts.create(
            served.team, SEEDED_CONTACT, ContactCreate.model_validate({"email": "seed@example.com"})
        )
    case.call_and_validate(
        base_url=served.url,
        headers={"Authorization": f"Bearer {served.key}"},
        checks=CHECKS,
        timeout=30,
    )
