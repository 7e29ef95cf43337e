"""Standard Webhooks (the scheme Svix uses): secrets, signatures and their verification.

A secret is `whsec_` + base64 of 24-64 random bytes; the HMAC key is the decoded bytes. The signature
header is space-separated `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` entries, one per secret
being used (during a rotation, the new and the old).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
TOLERANCE_SECONDS = 5 * 60


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<signature>` entry."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    signing_secrets: Iterable[str], message_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The three headers of a delivery, signed with every given secret."""
    moment = int(time.time()) if timestamp is None else timestamp
    signatures = " ".join(sign(secret, message_id, moment, body) for secret in signing_secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(moment),
        "webhook-signature": signatures,
    }


def verify(
    secret: str, message_id: str, timestamp: str, signature_header: str, body: bytes, now: float | None = None
) -> bool:
    """Whether one of the header's signatures matches, within the timestamp tolerance; constant-time."""
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    moment = int(timestamp)
    if abs((time.time() if now is None else now) - moment) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, message_id, moment, body)
    return any(
        hmac.compare_digest(candidate, expected) for candidate in signature_header.split(" ") if candidate
    )
