"""Seed the running emulators with a demo team and its owner, and print an ID token for curl.

Creates (or reuses) `owner@example.com` / `password123` in the Auth emulator, the team `demo-team`
and `teams/demo-team/members/{uid}` = {role: "owner"} in the Firestore emulator. Output is shell:
comments, then `export TOKEN=...`, so `eval "$(make -s seed)"` sets TOKEN in your shell.
"""

from __future__ import annotations

import os
import sys

import requests

PROJECT_ID = "demo-integrations"
AUTH_HOST = os.environ.get("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
FIRESTORE_HOST = os.environ.get("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8080")
TEAM_ID = "demo-team"
EMAIL = "owner@example.com"
PASSWORD = "password123"
# The Auth emulator accepts any API key.
IDENTITY = f"http://{AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts"


def sign_in_or_up(email: str, password: str) -> tuple[str, str]:
    """(uid, ID token) for the user, creating it on first use."""
    body = {"email": email, "password": password, "returnSecureToken": True}
    response = requests.post(f"{IDENTITY}:signInWithPassword?key=demo", json=body, timeout=10)
    if response.status_code != 200:
        response = requests.post(f"{IDENTITY}:signUp?key=demo", json=body, timeout=10)
    response.raise_for_status()
    answer = response.json()
    return answer["localId"], answer["idToken"]


def main() -> int:
    os.environ.setdefault("FIRESTORE_EMULATOR_HOST", FIRESTORE_HOST)
    os.environ.setdefault("GCLOUD_PROJECT", PROJECT_ID)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from shared.models.teams import Role
    from shared.store import members, teams

    try:
        uid, token = sign_in_or_up(EMAIL, PASSWORD)
    except requests.RequestException as error:
        print(f"# could not reach the Auth emulator at {AUTH_HOST}: is `make run` running? ({error})")
        return 1
    teams.ensure_team(TEAM_ID, "Demo team")
    members.set_role(TEAM_ID, uid, Role.OWNER)
    print(f"# team {TEAM_ID}: owner {EMAIL} / {PASSWORD} (uid {uid})")
    print("# the ID token below is valid for one hour; run this again for a new one")
    print(f"export TOKEN={token}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
