"""The integration tier: the product's code against a real Firestore emulator.

One emulator for the session; each test gets a project id of its own (data, rules and triggers are per
project in the emulator), which isolates tests more cheaply than wiping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from google.cloud import firestore

from functions import oauth_providers_set
from shared import outbound
from shared.api_keys.validation import reset_validator
from shared.integrations import service as integration_service
from shared.models.teams import Role
from shared.settings import reset_settings
from shared.store import client, members
from tests.support.callables import call
from tests.support.firestore_emulator import FirestoreEmulator
from tests.support.oauth_browser import FunctionsServer
from tests.support.oauth_server import OAuthServer, acme_provider

ROOT = Path(__file__).resolve().parents[2]

# Unsigned ID tokens are accepted by the Admin SDK when it believes the Auth emulator is in use; it
# does not contact the emulator to verify them (local-stack.md), so no Auth emulator runs here.
os.environ.setdefault("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[FirestoreEmulator]:
    running = os.environ.get("TEST_FIRESTORE_EMULATOR_HOST")
    if running:
        # One emulator for many pytest runs (`make mutate`): tests are isolated by project anyway.
        emulator = FirestoreEmulator.already_running(running, ROOT / "firestore.rules")
    else:
        emulator = FirestoreEmulator(ROOT / "firestore.rules")
        emulator.start()
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    try:
        yield emulator
    finally:
        emulator.stop()
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous


@pytest.fixture
def project_id(firestore_emulator: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty Firestore project for this test, used by the product's client."""
    project = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("GCLOUD_PROJECT", project)
    reset_settings()
    client.reset_client()
    outbound.reset_client()
    reset_validator()
    integration_service.reset_cache()
    yield project
    reset_validator()
    integration_service.reset_cache()
    outbound.reset_client()
    client.reset_client()


@pytest.fixture
def db(project_id: str) -> firestore.Client:
    return client.db()


@pytest.fixture
def team(db: firestore.Client) -> str:
    """A team with an owner, an admin and a member (uids `owner`, `admin`, `member`)."""
    team_id = "team-a"
    db.document(f"teams/{team_id}").set({"name": "Team A"})
    for role in Role:
        members.set_role(team_id, role.value, role)
    return team_id


def all_documents(db: firestore.Client) -> dict[str, dict[str, object]]:
    """Every document in the project, by path: what a test asserts was (or was not) written."""
    found: dict[str, dict[str, object]] = {}

    def walk(collections: list[firestore.CollectionReference]) -> None:
        for collection in collections:
            for ref in collection.list_documents():
                snapshot = ref.get()
                if snapshot.exists:
                    found[ref.path] = snapshot.to_dict() or {}
                walk(list(ref.collections()))

    walk(list(db.collections()))
    return found


@pytest.fixture
def private_networks(monkeypatch: pytest.MonkeyPatch, project_id: str) -> None:
    """Let the outbound client reach the loopback servers the tests start (as `.env.local` does)."""
    monkeypatch.setenv("ALLOW_PRIVATE_NETWORKS", "true")
    # Keep failing tests fast: short timeouts and retry waits.
    monkeypatch.setenv("OUTBOUND_READ_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("OUTBOUND_RETRY_BUDGET_SECONDS", "5")
    reset_settings()
    outbound.reset_client()


# ------------------------------------------------------------------ OAuth: a provider and a browser


@pytest.fixture
def functions_server(private_networks: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FunctionsServer]:
    """oauth_authorize and oauth_callback over HTTP on loopback; the callback is the redirect URI."""
    server = FunctionsServer().start()
    monkeypatch.setenv("OAUTH_CALLBACK_URL", server.callback_url)
    reset_settings()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def oauth_server(functions_server: FunctionsServer) -> Iterator[OAuthServer]:
    """A real OAuth 2.0 server on loopback (tests/support/oauth_server.py)."""
    server = OAuthServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """The admin's browser: it keeps the cookies the functions set. Another session is another browser."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def provider(oauth_server: OAuthServer, team: str) -> str:
    """The team's custom provider "acme", served by the loopback OAuth server."""
    answer = call(oauth_providers_set, acme_provider(oauth_server.url, team), uid="admin")
    assert answer.status == 200, answer.body
    assert "clientSecret" not in answer.result
    return "acme"
