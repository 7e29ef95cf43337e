"""The e2e tier: the whole emulator suite (started by `make e2e` with `firebase emulators:exec`),
the functions served over HTTP by the functions emulator, users signed in through the Auth emulator."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from tests.support.callables import Answer

PROJECT_ID = "demo-integrations"
FUNCTIONS_URL = f"http://127.0.0.1:5001/{PROJECT_ID}/us-central1"


def _require_suite() -> None:
    if not os.environ.get("FIREBASE_EMULATOR_HUB"):
        pytest.exit("the e2e tier runs inside the emulator suite: use `make e2e`", returncode=2)


def call_function(
    name: str, data: Any, token: str | None = None, raw_body: str | None = None, timeout: float = 60
) -> Answer:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = raw_body if raw_body is not None else requests.models.complexjson.dumps({"data": data})
    response = requests.post(f"{FUNCTIONS_URL}/{name}", data=body, headers=headers, timeout=timeout)
    return Answer(response.status_code, response.json())


def sign_up(email: str, password: str = "password123") -> tuple[str, str]:
    """(uid, ID token) for a new user of the Auth emulator."""
    host = os.environ["FIREBASE_AUTH_EMULATOR_HOST"]
    response = requests.post(
        f"http://{host}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=e2e",
        json={"email": email, "password": password, "returnSecureToken": True},
        timeout=10,
    )
    response.raise_for_status()
    answer = response.json()
    return answer["localId"], answer["idToken"]


@pytest.fixture(scope="session")
def db() -> firestore.Client:
    _require_suite()
    return firestore.Client(project=PROJECT_ID, credentials=AnonymousCredentials())


@dataclass
class Team:
    team_id: str
    owner_token: str
    member_token: str
    stranger_token: str


@pytest.fixture
def team(db: firestore.Client) -> Team:
    """A fresh team with an owner and a member, and a signed-in stranger."""
    suffix = uuid.uuid4().hex[:10]
    team_id = f"team-{suffix}"
    owner_uid, owner_token = sign_up(f"owner-{suffix}@example.com")
    member_uid, member_token = sign_up(f"member-{suffix}@example.com")
    _, stranger_token = sign_up(f"stranger-{suffix}@example.com")
    db.document(f"teams/{team_id}").set({"name": "E2E team"})
    db.document(f"teams/{team_id}/members/{owner_uid}").set({"role": "owner"})
    db.document(f"teams/{team_id}/members/{member_uid}").set({"role": "member"})
    return Team(team_id, owner_token, member_token, stranger_token)
