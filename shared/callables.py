"""The callable transport: parse `data` with the input model, run the handler, map errors once.

Every callable function's body is `return serve(request, InputModel, handler)` (or `serve_public` for
the few that need no signed-in user). Handlers are plain typed functions: they take the caller and a
validated model and return a `PublicModel`; they never see Flask or the SDK.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pydantic
from firebase_functions import https_fn
from flask import Request, Response

from shared import errors, json_input, log
from shared.auth import Caller, caller_from
from shared.models.base import InputModel, PublicModel

InputT = TypeVar("InputT", bound=InputModel)
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)
FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])
Handler = Callable[[Caller, InputT], PublicModel]
PublicHandler = Callable[[InputT], PublicModel]


def takes_no_argument(model: type[pydantic.BaseModel]) -> bool:
    """Whether every input of the model is optional (the call may send no argument at all)."""
    return not any(field.is_required() for field in model.model_fields.values())


def parse(model: type[ModelT], data: Any) -> ModelT:
    """Validate untrusted input; a failure becomes invalid-argument naming the field."""
    if data is None and takes_no_argument(model):
        # The Firebase JS SDK sends {"data": null} for `httpsCallable(functions, name)()`.
        data = {}
    if not isinstance(data, dict):
        raise errors.InvalidArgument("data must be a JSON object", field="data")
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as error:
        raise errors.from_validation_error(error) from None


def _request_id(request: Request) -> str:
    trace = request.headers.get("X-Cloud-Trace-Context", "")
    return trace.split("/", 1)[0] or uuid.uuid4().hex


def _run(request: https_fn.CallableRequest[Any], work: Callable[[], PublicModel]) -> Any:
    started = time.perf_counter()
    function_name = log.function_name("callable")
    with log.bound(function=function_name, requestId=_request_id(request.raw_request)):
        try:
            result = work().to_wire()
        except errors.AppError as error:
            log.info(
                "callable refused",
                code=error.code.value,
                field=error.field,
                durationMs=round((time.perf_counter() - started) * 1000, 1),
            )
            raise errors.to_https_error(error) from None
        except Exception as error:  # noqa: BLE001 - the one place unknown errors are turned into `internal`
            log.exception("callable failed", error)
            raise errors.to_https_error(errors.Internal("internal error")) from None
        return result


def serve(request: https_fn.CallableRequest[Any], model: type[InputT], handler: Handler[InputT]) -> Any:
    """A callable for signed-in users: unauthenticated first, then the input, then the handler."""

    def work() -> PublicModel:
        caller = caller_from(request.auth)
        log.bind(uid=caller.uid)
        data = parse(model, request.data)
        log.bind(teamId=getattr(data, "team_id", None))
        return handler(caller, data)

    return _run(request, work)


def serve_public(
    request: https_fn.CallableRequest[Any], model: type[InputT], handler: PublicHandler[InputT]
) -> Any:
    """A callable anyone may call (its input carries its own credential, such as an API key)."""
    return _run(request, lambda: handler(parse(model, request.data)))


def _malformed_body_response(reason: str = 'the body must be JSON: {"data": ...}') -> Response:
    body = {"error": errors.to_wire(errors.InvalidArgument(reason, field="data"))}
    return Response(json.dumps(body), status=400, mimetype="application/json")


def rejects_malformed_json(function: FunctionT) -> FunctionT:
    """Answer an unparseable or too deeply nested body with 400 invalid-argument, as the callable
    protocol says.

    firebase-functions 0.6.0 answers a body that is not JSON (or a JSON string) with 500 INTERNAL
    (local-stack.md), and JSON nested about 1,000 deep with an HTML 500 (a RecursionError). This
    wrapper sits outside the SDK decorator; `functools.wraps` carries the SDK's endpoint attribute
    over, so the deploy manifest is unchanged.
    """

    @functools.wraps(function)
    def guarded(request: Request) -> Any:
        if request.method == "POST" and request.mimetype == "application/json":
            try:
                # One level more than data's limit: the envelope {"data": ...} is a level of its own.
                body = json_input.loads(request.get_data(cache=True) or b"null", json_input.MAX_DEPTH + 1)
            except json_input.TooDeep:
                return _malformed_body_response(f"data nests more than {json_input.MAX_DEPTH} levels")
            except json_input.UnusableJson:
                return _malformed_body_response()
            if not isinstance(body, dict):
                return _malformed_body_response()
        return function(request)

    return guarded  # type: ignore[return-value]
