"""The callable transport's input boundary: untrusted `data` becomes a model or invalid-argument."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Request, Response
from werkzeug.test import EnvironBuilder

from shared import errors
from shared.callables import parse, rejects_malformed_json
from shared.models.api_keys import ApiKeyCreate, ApiKeyListQuery, ApiKeyRef


@pytest.mark.parametrize("data", [None, [], ["teamId"], "team-a", 7, 1.5, True], ids=repr)
def test_data_that_is_not_an_object_is_invalid_argument_on_data(data: Any) -> None:
    with pytest.raises(errors.InvalidArgument) as raised:
        parse(ApiKeyRef, data)

    assert raised.value.field == "data"
    assert raised.value.code is errors.ErrorCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (ApiKeyRef, {"teamId": "team-a"}, "keyId"),
        (ApiKeyRef, {"teamId": "team-a", "keyId": "k", "extra": 1}, "extra"),
        (ApiKeyListQuery, {"teamId": "team-a", "limit": 101}, "limit"),
        (ApiKeyListQuery, {"teamId": "team-a", "limit": "10"}, "limit"),
        (ApiKeyListQuery, {"teamId": "team-a", "cursor": "c" * 513}, "cursor"),
        (
            ApiKeyCreate,
            {
                "teamId": "t",
                "name": "n",
                "scopes": ["tickets:read"],
                "rateLimit": {"requests": 0, "window": 1000},
            },
            "rateLimit.requests",
        ),
        (ApiKeyCreate, {"teamId": "t", "name": "n", "scopes": ["tickets:read", "nope"]}, "scopes[1]"),
    ],
)
def test_a_validation_error_becomes_invalid_argument_naming_the_field(
    model: type[Any], data: dict[str, Any], field: str
) -> None:
    with pytest.raises(errors.InvalidArgument) as raised:
        parse(model, data)

    assert raised.value.field == field
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_good_data_becomes_the_model() -> None:
    parsed = parse(ApiKeyListQuery, {"teamId": "team-a", "limit": 10})

    assert isinstance(parsed, ApiKeyListQuery)
    assert (parsed.team_id, parsed.limit, parsed.cursor) == ("team-a", 10, None)


def post(body: str, content_type: str = "application/json", method: str = "POST") -> Request:
    return Request(EnvironBuilder(method=method, data=body, content_type=content_type).get_environ())


def test_a_malformed_json_body_is_answered_400_without_reaching_the_function() -> None:
    reached: list[Request] = []

    @rejects_malformed_json
    def function(request: Request) -> Any:
        reached.append(request)
        return "reached"

    for body in ['{"data": ', '"data"', "[1, 2]", "7"]:
        answer = function(post(body))

        assert isinstance(answer, Response)
        assert answer.status_code == 400
        assert json.loads(answer.get_data())["error"]["status"] == "INVALID_ARGUMENT"
    assert reached == []


def test_a_json_object_body_reaches_the_function() -> None:
    @rejects_malformed_json
    def function(request: Request) -> Any:
        return request.get_json()

    assert function(post('{"data": {"teamId": "team-a"}}')) == {"data": {"teamId": "team-a"}}


def test_rejects_malformed_json_keeps_the_function_attributes() -> None:
    def api_keys_example(request: Request) -> Any:
        return None

    api_keys_example.__firebase_endpoint__ = "the endpoint"  # type: ignore[attr-defined]

    wrapped = rejects_malformed_json(api_keys_example)

    assert wrapped.__name__ == "api_keys_example"
    assert wrapped.__firebase_endpoint__ == "the endpoint"  # type: ignore[attr-defined]
