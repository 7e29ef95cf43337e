"""The browser tier: the console served by the Hosting emulator, driven by Playwright in Debian's
headless chromium (`make browser`, inside the same emulator suite as the e2e tier). Teams and users are
made through the Auth and Firestore emulators, as an owner adding people would."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PROJECT_ID, call_function, sign_up

CONSOLE_URL = "http://127.0.0.1:5000"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "password123"
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"

# A loaded 2-core machine starts a cold function's Python worker in seconds; the first callable of a
# test may wait for one. This bounds how long an expectation waits, it asserts nothing about speed.
expect.set_options(timeout=60_000)


@pytest.fixture(scope="session", autouse=True)
def _require_suite() -> None:
    if not os.environ.get("FIREBASE_EMULATOR_HUB"):
        pytest.exit("the browser tier runs inside the emulator suite: use `make browser`", returncode=2)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Debian's chromium: `playwright install` would download a browser, and there is no internet.
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": CONSOLE_URL,
        "viewport": {"width": 1280, "height": 860},
        # The key dialog copies to the clipboard; the test reads it back.
        "permissions": ["clipboard-read", "clipboard-write"],
    }


@pytest.fixture(scope="session")
def db() -> firestore.Client:
    return firestore.Client(project=PROJECT_ID, credentials=AnonymousCredentials())


@dataclass
class User:
    uid: str
    email: str
    token: str


@dataclass
class Team:
    team_id: str
    name: str
    owner: User
    member: User


def new_user(label: str) -> User:
    email = f"{label}-{uuid.uuid4().hex[:10]}@example.com"
    uid, token = sign_up(email, PASSWORD)
    return User(uid, email, token)


def add_member(db: firestore.Client, team_id: str, user: User, role: str) -> None:
    # As shared/store/members.set_role writes it: `uid` is what teams_list finds the membership by.
    db.document(f"teams/{team_id}/members/{user.uid}").set({"role": role, "uid": user.uid})


def make_team(db: firestore.Client, name: str, owner: User, member: User) -> Team:
    team_id = f"team-{uuid.uuid4().hex[:10]}"
    db.document(f"teams/{team_id}").set({"name": name})
    add_member(db, team_id, owner, "owner")
    add_member(db, team_id, member, "member")
    return Team(team_id, name, owner, member)


@pytest.fixture
def team(db: firestore.Client) -> Team:
    return make_team(db, "Acme support", new_user("owner"), new_user("member"))


def sign_in(page: Page, user: User) -> None:
    page.goto("/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("tablist", name="Settings")).to_be_visible()


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")


def store_connection(team: Team, provider: str, user_id: str) -> str:
    stored = call_function(
        "oauth_tokens_store",
        {
            "teamId": team.team_id,
            "provider": provider,
            "userId": user_id,
            "accessToken": f"ya29.{provider}-access-token-value",
            "refreshToken": f"{provider}-refresh-token-value",
            "expiresAt": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "scopes": ["contacts"],
        },
        token=team.owner.token,
    )
    assert stored.status == 200, stored.body
    return str(stored.result["id"])
