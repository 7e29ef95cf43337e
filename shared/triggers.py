"""The Firestore-trigger transport: bind the log context, run the work, log what failed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firebase_functions import firestore_fn

from shared import log


def run_trigger(event: firestore_fn.Event[Any], work: Callable[[dict[str, str]], object]) -> None:
    """Run `work(params)` for one event; the work must be idempotent (delivery is at least once)."""
    function_name = log.function_name("trigger")
    # The path's parameters first: one of them may be named like a field here (`eventId`).
    context = {
        **event.params,
        "function": function_name,
        "triggerEventId": event.id,
        "document": event.document,
    }
    with log.bound(**context):
        try:
            outcome = work(dict(event.params))
        except Exception as error:
            log.exception("trigger failed", error)
            raise
        log.info("trigger done", outcome=outcome)
