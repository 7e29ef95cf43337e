"""`Idempotency-Key` on POST (the IETF httpapi draft, Stripe): a small state machine on Firestore.

A record per (API key, method, route pattern, path parameters, key) lives 24 h at
`teams/{teamId}/apiKeys/{keyId}/idempotencyKeys/{digest}` (its id a digest of those parts,
shared/ids.py), holding a SHA-256 fingerprint of the body (its canonical JSON: key order and spacing do
not matter). States:

- absent -> `in_progress`: the claim is a create(), so of two requests at once exactly one holds it;
  the other sees the record and answers 409 (or, once the first is done, the first answer).
- `in_progress` -> `completed`: the handler's answer (status and JSON) is stored when it is final, any
  answer under 500; every later request with the same key and body gets it again (with
  `Idempotent-Replayed: true`) and nothing is done twice. The same key with another body is 422.
- `in_progress` -> absent: the handler failed with a 5xx (database unavailable, a bug); nothing
  worth replaying happened, so the claim is dropped and a retry runs again.
- a crash between the claim and the answer leaves `in_progress`: once the claim is older than `LEASE`
  (longer than the function's 60 s timeout, so its request is surely gone), a retry retakes it with a
  write conditioned on the version it read (one retaker wins) and runs the handler again. That is safe
  because a create under a key uses the record's `resourceId`, fixed at the first claim: a second run
  finds the record made by the first and answers it instead of making another.
- a record past `expireAt` counts as absent (TTL deletion lags by up to a day): it is retaken likewise.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import errors, log
from shared.ids import digest
from shared.models.public_api import IdempotencyRecordDoc, IdempotencyState
from shared.public_api.problems import Problem, invalid
from shared.public_api.router import Reply
from shared.store import idempotency as store

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
LEASE = timedelta(seconds=90)
# Visible ASCII, as Stripe takes it (UUIDs and the like); the draft's quoted sf-string form is unquoted.
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# Claim, read, retake: a record deleted or retaken in between sends us round again, a few times at most.
ATTEMPTS = 3


def parse_key(header: str) -> str:
    key = header.strip()
    if len(key) >= 2 and key.startswith('"') and key.endswith('"'):
        key = key[1:-1]
    if not _KEY.fullmatch(key):
        raise invalid("Idempotency-Key must be 1 to 255 visible ASCII characters", f"#/headers/{HEADER}")
    return key


def fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Scope:
    """Whose key it is and where it was used."""

    team_id: str
    key_id: str
    method: str
    route: str
    params: Mapping[str, str]

    def record_id(self, key: str) -> str:
        parts = [self.key_id, self.method, self.route]
        for name, value in sorted(self.params.items()):
            parts += [name, value]
        return digest(*parts, key)


@dataclass(frozen=True)
class Claimed:
    scope: Scope
    record: IdempotencyRecordDoc


@dataclass(frozen=True)
class Replay:
    status: int
    body: str
    headers: Mapping[str, str]


def begin(scope: Scope, key: str, body_fingerprint: str) -> Claimed | Replay:
    """Claim the key for this request, or the first answer to replay; 409 or 422 otherwise."""
    record_id = scope.record_id(key)
    for _ in range(ATTEMPTS):
        now = datetime.now(UTC)
        fresh = IdempotencyRecordDoc(
            id=record_id,
            state=IdempotencyState.IN_PROGRESS,
            fingerprint=body_fingerprint,
            method=scope.method,
            route=scope.route,
            # Random like Firestore's own ids: a key reused after expiry makes a new record.
            resource_id=secrets.token_hex(10),
            claimed_at=now,
            created_at=now,
            expire_at=now + RETENTION,
        )
        if store.claim(scope.team_id, scope.key_id, fresh):
            return Claimed(scope, fresh)
        found = store.read(scope.team_id, scope.key_id, record_id)
        if found is None:
            continue  # released or removed since: claim again
        existing, version = found
        if existing.expire_at <= now:
            if store.retake(scope.team_id, scope.key_id, fresh, version):
                return Claimed(scope, fresh)
            continue
        if existing.fingerprint != body_fingerprint:
            raise Problem(
                422,
                "idempotency-key-reused",
                "this Idempotency-Key was used with another body; use a new key for a new request",
            )
        if existing.state is IdempotencyState.COMPLETED and existing.status is not None:
            return Replay(existing.status, existing.body or "", existing.headers)
        if now - existing.claimed_at < LEASE:
            raise _in_flight()
        retaken = existing.model_copy(update={"claimed_at": now, "attempt": existing.attempt + 1})
        if store.retake(scope.team_id, scope.key_id, retaken, version):
            log.warning("idempotency claim retaken", recordId=record_id, attempt=retaken.attempt)
            return Claimed(scope, retaken)
    raise _in_flight()


def _in_flight() -> Problem:
    return Problem(
        409,
        "idempotency-key-in-flight",
        "a request with this Idempotency-Key is still being processed; retry later",
        headers={"Retry-After": "1"},
    )


def finish(claimed: Claimed, status: int, body: str, headers: Mapping[str, str]) -> None:
    """Store the first answer. When that fails the work is done all the same: the answer still goes
    out, and a retry sees the claim in flight (409) until the lease lets it retake it, when the create
    finds the record it made and answers it again."""
    try:
        store.complete(
            claimed.scope.team_id, claimed.scope.key_id, claimed.record.id, status, body, dict(headers)
        )
    except errors.AppError as error:
        log.warning("idempotency answer not stored", recordId=claimed.record.id, code=error.code.value)


def abandon(claimed: Claimed) -> None:
    """The handler failed without a final answer: a retry with the key runs it again."""
    try:
        store.release(claimed.scope.team_id, claimed.scope.key_id, claimed.record.id)
    except errors.AppError as error:
        # The lease still frees the key once it is old enough.
        log.warning("idempotency claim not released", recordId=claimed.record.id, code=error.code.value)


def run_once(scope: Scope, key: str, raw: Any, run: Callable[[str], Reply]) -> Reply:
    """`run` (given the claim's resource id) under the key: at most once per key and body; a retry
    gets the first answer, any answer under 500 (a refusal included)."""
    begun = begin(scope, key, fingerprint(raw))
    if isinstance(begun, Replay):
        return Reply(begun.status, begun.body, {**begun.headers, "Idempotent-Replayed": "true"})
    try:
        reply = run(begun.record.resource_id)
    except Problem as problem:
        if problem.status < 500:
            finish(begun, problem.status, json.dumps(problem.body()), problem.headers)
        else:
            abandon(begun)
        raise
    except BaseException:
        abandon(begun)
        raise
    if reply.status >= 500:
        abandon(begun)
    else:
        finish(begun, reply.status, json.dumps(reply.body), reply.headers)
    return reply
