"""Checks of URLs a team configures (integrations, custom OAuth providers, return URLs)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from shared import errors
from shared.settings import get_settings


def _invalid(field: str, reason: str) -> errors.InvalidArgument:
    return errors.InvalidArgument(f"{field}: {reason}", details={"field": field, "reason": reason})


def is_loopback_host(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, field: str) -> None:
    """https only; plain http only to a loopback host, and only where private networks are allowed."""
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise _invalid(field, "must be an absolute https URL")
    if parts.username or parts.password:
        raise _invalid(field, "must not carry a user name or password; use the auth settings")
    loopback_allowed = is_loopback_host(parts.hostname) and get_settings().allow_private_networks
    if parts.scheme == "http" and not loopback_allowed:
        raise _invalid(field, "must use https")


def origin(url: str) -> str:
    """`https://api.example.com:443`: what a secret given for this URL is bound to (scheme, host, port)."""
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    except ValueError:
        port = -1
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"
