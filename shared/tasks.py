"""Task queues (Cloud Tasks): enqueue work with a deduplicating id, and the task-function transport.

Work that must survive a crash goes through a queue: Cloud Tasks retries it with backoff until it
succeeds. A task handler raises to be retried (transient failures) and returns to be done (success, or a
failure no retry can fix, which is logged).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any, TypeVar

from firebase_admin import exceptions as admin_errors
from firebase_admin import functions as admin_functions
from firebase_functions import https_fn

from shared import errors, log
from shared.callables import parse
from shared.models.base import InputModel

REGION = "us-central1"
InputT = TypeVar("InputT", bound=InputModel)

# Failures a later attempt may not meet: the task is retried. Anything else is final.
RETRYABLE = (errors.Unavailable, errors.Aborted, errors.ResourceExhausted, errors.Internal)


def task_id(*parts: str) -> str:
    """A Cloud Tasks id (letters, digits, - and _) from any parts: the same parts, the same id."""
    return "t-" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:40]


def _emulated() -> bool:
    return bool(os.environ.get("CLOUD_TASKS_EMULATOR_HOST"))


def enqueue(
    function_name: str, data: dict[str, Any], dedupe_id: str | None = None, delay_seconds: int | None = None
) -> bool:
    """Queue `data` for the task function; False when a task with `dedupe_id` was already queued."""
    queue = admin_functions.task_queue(f"locations/{REGION}/functions/{function_name}")
    options = admin_functions.TaskOptions(task_id=dedupe_id, schedule_delay_seconds=delay_seconds)
    try:
        # Task functions take the callable shape: the payload goes under "data" (local-stack.md).
        queue.enqueue({"data": data}, options)
    except admin_errors.AlreadyExistsError:
        return False
    except admin_errors.ConflictError as error:
        # The Tasks emulator answers a repeated id with a plain-text 409, which firebase-admin 7.7.0
        # raises as a ConflictError; Cloud Tasks answers ALREADY_EXISTS (above). Only there.
        if not (_emulated() and "already exists" in str(error)):
            raise
        return False
    except ValueError as error:
        # firebase-admin 7.7.0 drops the first character of the task name the Tasks emulator answers
        # ("rojects/...") and then fails to parse it, after the task was created. Only there.
        if not (_emulated() and "resource name" in str(error)):
            raise
    return True


def run_task(
    request: https_fn.CallableRequest[Any], model: type[InputT], handler: Callable[[InputT], object]
) -> None:
    function_name = log.function_name("task")
    with log.bound(function=function_name):
        try:
            data = parse(model, request.data)
            outcome = handler(data)
        except RETRYABLE as error:
            log.warning("task failed; it will be retried", code=error.code.value, reason=error.message)
            raise
        except errors.AppError as error:
            log.error("task failed for good", code=error.code.value, reason=error.message)
            return
        except Exception as error:
            log.exception("task failed; it will be retried", error)
            raise
        log.info("task done", outcome=outcome)
