"""Task queues (Cloud Tasks): enqueue work with a deduplicating id, and the task-function transport.

Work that must survive a crash goes through a queue: Cloud Tasks retries it with backoff until it
succeeds. A task handler raises to be retried (transient failures) and returns to be done (success, or a
failure no retry can fix, which is logged).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

from firebase_admin import exceptions as admin_errors
from firebase_admin import functions as admin_functions
from firebase_functions import https_fn
from flask import Request, Response

from shared import errors, ids, json_input, log
from shared.callables import parse
from shared.models.base import InputModel

REGION = "us-central1"
InputT = TypeVar("InputT", bound=InputModel)
FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])

# Failures a later attempt may not meet: the task is retried. Anything else is final.
RETRYABLE = (errors.Unavailable, errors.Aborted, errors.ResourceExhausted, errors.Internal)


def task_id(*parts: str) -> str:
    """A Cloud Tasks id (letters, digits, - and _) from any parts: the same parts, the same id, and
    different parts (however they split) different ids."""
    return "t-" + ids.digest(*parts)


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


def _acknowledged(reason: str) -> Response:
    log.error("task payload unusable; acknowledged so it is not retried", reason=reason)
    return Response(json.dumps({"result": None}), status=200, mimetype="application/json")


def acknowledges_unusable_payloads(function: FunctionT) -> FunctionT:
    """Answer 200 to a task whose body no retry can make usable, after logging it.

    Cloud Tasks retries every answer that is not 2xx; the SDK answers a body that is not JSON with 500
    and one without `data` with 400, so such a task would be retried until its attempts run out. A
    payload that parses but fails validation is acknowledged by `run_task` the same way. Sits outside the
    SDK decorator, like `rejects_malformed_json` for callables.
    """

    @functools.wraps(function)
    def guarded(request: Request) -> Any:
        if request.method == "POST":
            try:
                body = json_input.loads(request.get_data(cache=True) or b"null")
            except json_input.UnusableJson as error:
                return _acknowledged(str(error))
            if not isinstance(body, dict) or "data" not in body or set(body) - {"data"}:
                return _acknowledged('the body is not {"data": ...}')
        return function(request)

    return guarded  # type: ignore[return-value]


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
