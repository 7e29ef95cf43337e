"""Amazon EventBridge: `PutEvents` with boto3, one event per call, audited like any outbound request."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from shared import outbound
from shared.models.webhooks import EventDoc, EventSubscriptionDoc

TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class PutResult:
    success: bool
    status_code: int | None
    duration_ms: float
    error: str | None = None


def _client(region: str, access_key_id: str, secret_access_key: str) -> Any:
    import boto3  # imported on first use: most instances never talk to AWS
    from botocore.config import Config

    return boto3.client(
        "events",
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=Config(connect_timeout=5, read_timeout=TIMEOUT_SECONDS, retries={"max_attempts": 1}),
    )


def endpoint(destination: EventSubscriptionDoc) -> str:
    """How the audit log names a destination: no URL of ours, the region and the bus."""
    region = destination.region or "us-east-1"
    return f"https://events.{region}.amazonaws.com/ PutEvents {destination.event_bus_name or 'default'}"


def put_event(
    destination: EventSubscriptionDoc,
    access_key_id: str,
    secret_access_key: str,
    event: EventDoc,
    audit: outbound.AuditTarget,
    audit_writer: outbound.AuditWriter | None = None,
) -> PutResult:
    """Send the event's envelope as `Detail`, its type as `DetailType`; answers what AWS said."""
    from botocore.exceptions import BotoCoreError, ClientError

    region = destination.region or "us-east-1"
    entry = {
        "Source": destination.source or "helpdesk.integrations",
        "DetailType": event.type,
        "Detail": json.dumps(event.envelope(), separators=(",", ":")),
        "EventBusName": destination.event_bus_name or "default",
    }
    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    try:
        answer = _client(region, access_key_id, secret_access_key).put_events(Entries=[entry])
        status_code = int(answer.get("ResponseMetadata", {}).get("HTTPStatusCode", 200))
        if answer.get("FailedEntryCount"):
            failed = answer.get("Entries", [{}])[0]
            error = f"EventBridge refused the event ({str(failed.get('ErrorCode', 'error'))[:60]})"
    except ClientError as failure:
        status_code = int(failure.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)) or None
        error = f"EventBridge refused the request ({failure.response.get('Error', {}).get('Code', 'error')})"
    except BotoCoreError as failure:
        error = f"EventBridge could not be reached ({type(failure).__name__})"
    duration_ms = round((time.monotonic() - started) * 1000, 1)
    success = error is None
    outbound.client().record(
        audit, "POST", endpoint(destination), status_code, duration_ms, success, error, audit_writer
    )
    return PutResult(success, status_code, duration_ms, error)
