"""Unsigned Firebase ID tokens, which the Auth emulator and the Admin SDK accept in emulator mode."""

from __future__ import annotations

import base64
import json
import time


def _segment(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def unsigned_id_token(uid: str, project_id: str, email: str | None = None) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": project_id,
        "auth_time": now,
        "user_id": uid,
        "sub": uid,
        "iat": now,
        "exp": now + 3600,
        "firebase": {"identities": {}, "sign_in_provider": "custom"},
    }
    if email:
        claims["email"] = email
    # The trailing dot (an empty signature) is required.
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."
