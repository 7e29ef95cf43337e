"""The API key check both key-holder endpoints share (`public_api` and `public_graphql`).

`Authorization: Bearer jk_live_...`, checked by `api_keys_validate`'s validator (its cache, usage and
rate limit), optionally with one scope: 401 (missing, unknown, disabled, expired) and 429 with
`Retry-After` are raised as `Problem`s, which each endpoint answers in its own shape. The rate-limit
headers (draft-ietf-httpapi-ratelimit-headers, and the `X-RateLimit-*` trio) are added to
`rate_headers` as soon as the key is known, so a refusal after that point carries them too.
"""

from __future__ import annotations

import math
import time

import pydantic
from flask import Request

from shared import log
from shared.api_keys.validation import KeyCheck, validator
from shared.models.api_keys import ApiKeyScope, ApiKeyValidate, ValidationCode
from shared.public_api.problems import Problem

POLICY = "default"


def _bearer(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("send the API key as Authorization: Bearer jk_live_...")
    return token.strip()


def unauthenticated(detail: str) -> Problem:
    return Problem(401, "unauthenticated", detail, headers={"WWW-Authenticate": 'Bearer realm="v1"'})


def _rate_headers(check: KeyCheck) -> dict[str, str]:
    limit, validation = check.rate_limit, check.validation
    if limit is None or validation.remaining is None:
        return {}
    now = time.time()
    reset_at = validation.reset.timestamp() if validation.reset is not None else now
    return {
        "RateLimit-Policy": f'"{POLICY}";q={limit.requests};w={math.ceil(limit.window / 1000)}',
        "RateLimit": f'"{POLICY}";r={validation.remaining};t={max(0, math.ceil(reset_at - now))}',
        "X-RateLimit-Limit": str(limit.requests),
        "X-RateLimit-Remaining": str(validation.remaining),
        "X-RateLimit-Reset": str(math.ceil(reset_at)),
    }


def authenticate(request: Request, scope: ApiKeyScope | None, rate_headers: dict[str, str]) -> KeyCheck:
    """The key's check (its code may still be INSUFFICIENT_PERMISSIONS for `scope`), or a 401 / 429."""
    token = _bearer(request)
    try:
        asked = ApiKeyValidate.model_validate(
            {"key": token, "requiredScopes": [scope] if scope is not None else None}
        )
    except pydantic.ValidationError:
        raise unauthenticated("the API key is not valid") from None
    check = validator().check(asked)
    code = check.validation.code
    if code is ValidationCode.NOT_FOUND:
        raise unauthenticated("the API key is not valid")
    if code is ValidationCode.DISABLED:
        raise unauthenticated("the API key is disabled")
    if code is ValidationCode.EXPIRED:
        raise unauthenticated("the API key has expired")
    rate_headers.update(_rate_headers(check))
    log.bind(teamId=check.validation.team_id, keyId=check.validation.key_id)
    if code is ValidationCode.RATE_LIMITED:
        reset = check.validation.reset
        wait = max(1, math.ceil(reset.timestamp() - time.time())) if reset is not None else 1
        raise Problem(
            429,
            "rate-limited",
            f"the key's rate limit is reached; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    return check
