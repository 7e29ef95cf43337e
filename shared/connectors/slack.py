"""Slack's Web API: where its methods live, and how it says yes (HTTP 200 with `{"ok": true}`)."""

from __future__ import annotations

from shared.outbound import OutboundResponse
from shared.settings import get_settings


def api_url(method: str) -> str:
    """`https://slack.com/api/<method>` (a local stand-in under tests, through SLACK_API_BASE_URL)."""
    return f"{get_settings().slack_api_base_url}/{method}"


def answered_ok(response: OutboundResponse) -> bool:
    """Slack answers most errors with HTTP 200 and `{"ok": false, "error": ...}`."""
    try:
        answer = response.json()
    except ValueError:
        return False
    return response.ok and isinstance(answer, dict) and answer.get("ok") is True
