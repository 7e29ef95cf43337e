"""What both CRM connectors share: an authenticated JSON call through the outbound client.

A vendor SDK (hubspot-api-client, simple-salesforce) would bypass the outbound client's guard, retries,
size cap and audit record; the connectors speak the public REST APIs through `shared.outbound` instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared import errors, outbound

# Reads of a page may be retried (429, 5xx, connection errors); writes only where they are idempotent.
SAFE = True


class CrmError(errors.Unavailable):
    """The CRM refused or failed a call; the message names the call and the status, never a secret."""


@dataclass
class CrmSession:
    """One team's connection to one CRM: where, with which token, audited as which integration."""

    base_url: str
    token: Callable[[], str]
    audit: outbound.AuditTarget
    # Calls made, by kind (`search`, `batch/update`...): the engine's counts and the benchmark read it.
    calls: dict[str, int] = field(default_factory=dict)
    # At most this many calls of a throttled kind per second (HubSpot's search: 4 per second per token).
    throttles: dict[str, float] = field(default_factory=dict)
    # The headers of the last answer (Salesforce reports its API usage in `Sforce-Limit-Info`).
    last_headers: dict[str, str] = field(default_factory=dict)
    _last_call: dict[str, float] = field(default_factory=dict)

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        retry: bool = SAFE,
        allowed: tuple[int, ...] = (),
    ) -> Any:
        """The JSON answer of one call; CrmError when it fails (statuses in `allowed` are answers)."""
        self._throttle(kind)
        token = self.token()
        request = outbound.OutboundRequest(
            method,
            self.base_url.rstrip("/") + path,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            json=json,
            secrets=[token],
            retry=retry,
        )
        self.calls[kind] = self.calls.get(kind, 0) + 1
        response = outbound.client().send(request, self.audit)
        self.last_headers = {name.lower(): value for name, value in response.headers.items()}
        if not response.ok and response.status_code not in allowed:
            raise CrmError(
                f"{kind} failed with HTTP {response.status_code}", details=_error_details(response)
            )
        if not response.body:
            return None
        try:
            return response.json()
        except ValueError:
            raise CrmError(f"{kind} answered something that is not JSON") from None

    def _throttle(self, kind: str) -> None:
        per_second = self.throttles.get(kind)
        if not per_second:
            return
        wait = self._last_call.get(kind, 0.0) + 1.0 / per_second - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_call[kind] = time.monotonic()


def _error_details(response: outbound.OutboundResponse) -> dict[str, Any]:
    """The CRM's own error category, when it gives one (HubSpot `category`, Salesforce `errorCode`)."""
    try:
        answer = response.json()
    except ValueError:
        return {"status": response.status_code}
    first = answer[0] if isinstance(answer, list) and answer else answer
    code = first.get("category") or first.get("errorCode") if isinstance(first, dict) else None
    return {"status": response.status_code, **({"crmError": str(code)[:100]} if code else {})}
