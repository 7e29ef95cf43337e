"""Every collection name and document path, in one place."""

from __future__ import annotations

TEAMS = "teams"
MEMBERS = "members"
API_KEYS = "apiKeys"
API_KEY_INDEX = "apiKeyIndex"
RATE_WINDOWS = "rateWindows"
INTEGRATIONS = "integrations"
INTEGRATION_LOGS = "integrationLogs"
SECRETS = "secrets"


def team(team_id: str) -> str:
    return f"{TEAMS}/{team_id}"


def members(team_id: str) -> str:
    return f"{team(team_id)}/{MEMBERS}"


def member(team_id: str, uid: str) -> str:
    return f"{members(team_id)}/{uid}"


def api_keys(team_id: str) -> str:
    return f"{team(team_id)}/{API_KEYS}"


def api_key(team_id: str, key_id: str) -> str:
    return f"{api_keys(team_id)}/{key_id}"


def api_key_index(key_hash: str) -> str:
    return f"{API_KEY_INDEX}/{key_hash}"


def api_key_rate_window(team_id: str, key_id: str, window_start_ms: int) -> str:
    """One counter per key and fixed rate-limit window; `expireAt` lets a TTL policy remove it."""
    return f"{api_key(team_id, key_id)}/{RATE_WINDOWS}/{window_start_ms}"


def integrations(team_id: str) -> str:
    return f"{team(team_id)}/{INTEGRATIONS}"


def integration(team_id: str, integration_id: str) -> str:
    return f"{integrations(team_id)}/{integration_id}"


def integration_logs(team_id: str) -> str:
    return f"{team(team_id)}/{INTEGRATION_LOGS}"


def integration_secrets(team_id: str, integration_id: str) -> str:
    """Every secret of one integration, encrypted; top level so no team rule can ever expose it."""
    return f"{SECRETS}/integration_{team_id}_{integration_id}"
