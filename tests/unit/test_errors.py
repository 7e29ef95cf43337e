"""The one error tree: validation errors name the field without echoing input; each transport maps once."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest
from firebase_functions import https_fn

from shared import errors
from shared.models.api_keys import ApiKeyCreate, ApiKeyUpdate, ApiKeyValidate

SECRET = "jk_live_9vQeTopSecretKeyMaterial4xZ"


def validation_error(model: type[pydantic.BaseModel], data: dict[str, Any]) -> pydantic.ValidationError:
    with pytest.raises(pydantic.ValidationError) as raised:
        model.model_validate(data)
    return raised.value


def good_create(**changes: Any) -> dict[str, Any]:
    return {"teamId": "team-a", "name": "Build server", "scopes": ["tickets:read"], **changes}


# --- from_validation_error ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (good_create(rateLimit={"requests": 0, "window": 60_000}), "rateLimit.requests"),
        (good_create(rateLimit={"requests": 5, "window": 10}), "rateLimit.window"),
        (good_create(scopes=["tickets:read", "tickets:delete"]), "scopes[1]"),
        (good_create(scopes=["nope"]), "scopes[0]"),
        (good_create(teamId=None), "teamId"),
        (good_create(expiresAt="tomorrow"), "expiresAt"),
        ({"name": "x", "scopes": ["tickets:read"]}, "teamId"),
    ],
)
def test_the_first_problem_names_the_field_by_its_wire_path(data: dict[str, Any], field: str) -> None:
    error = errors.from_validation_error(validation_error(ApiKeyCreate, data))

    assert isinstance(error, errors.InvalidArgument)
    assert error.field == field
    assert error.details["field"] == field
    assert error.message.startswith(f"{field}: ")
    assert error.details["errors"][0]["field"] == field


def test_every_problem_is_listed() -> None:
    data = good_create(name="", rateLimit={"requests": 0, "window": 10})

    error = errors.from_validation_error(validation_error(ApiKeyCreate, data))

    assert [problem["field"] for problem in error.details["errors"]] == [
        "name",
        "rateLimit.requests",
        "rateLimit.window",
    ]
    assert all(problem["reason"] for problem in error.details["errors"])


def test_a_model_level_problem_names_data() -> None:
    error = errors.from_validation_error(validation_error(ApiKeyUpdate, {"teamId": "t", "keyId": "k"}))

    assert error.field == "data"
    assert "at least one" in error.message


def test_a_validator_reason_loses_the_value_error_prefix() -> None:
    error = errors.from_validation_error(
        validation_error(ApiKeyUpdate, {"teamId": "t", "keyId": "k", "name": None})
    )

    assert error.details["reason"] == "may be left out but not null"
    assert "Value error" not in error.message


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (ApiKeyCreate, good_create(name=["x", SECRET])),
        (ApiKeyCreate, good_create(scopes=["tickets:read", SECRET])),
        (ApiKeyCreate, good_create(expiresAt=SECRET)),
        (ApiKeyCreate, good_create(rateLimit=SECRET)),
        (ApiKeyCreate, good_create(rateLimit={"requests": SECRET, "window": 60_000})),
        (ApiKeyCreate, good_create(teamId=f"{SECRET}/x")),
        (ApiKeyCreate, good_create(name=SECRET * 10)),
        (ApiKeyUpdate, {"teamId": "t", "keyId": "k", "enabled": SECRET}),
        (ApiKeyValidate, {"key": SECRET, "requiredScopes": SECRET}),
        (ApiKeyValidate, {"key": SECRET * 10}),
        (ApiKeyValidate, {"key": SECRET, "teamId": SECRET + "!"}),
    ],
    ids=[
        "name list",
        "scope",
        "expiresAt",
        "rateLimit",
        "rateLimit.requests",
        "teamId pattern",
        "name too long",
        "enabled",
        "requiredScopes",
        "key too long",
        "teamId with a symbol",
    ],
)
def test_the_input_value_never_appears_in_the_error(
    model: type[pydantic.BaseModel], data: dict[str, Any]
) -> None:
    error = errors.from_validation_error(validation_error(model, data))

    assert SECRET not in error.message
    assert SECRET not in repr(error.details)
    assert SECRET not in repr(errors.to_wire(error))
    assert SECRET not in repr(errors.to_https_error(error).details)


# --- field paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "path"),
    [
        (("rateLimit", "requests"), "rateLimit.requests"),
        (("scopes", 2), "scopes[2]"),
        (("items", 0, "name"), "items[0].name"),
        ((), ""),
    ],
)
def test_field_path(location: tuple[int | str, ...], path: str) -> None:
    assert errors.field_path(location) == path


# --- transports -----------------------------------------------------------------------------------

ALL_ERRORS = [
    (errors.InvalidArgument, "invalid-argument", 400),
    (errors.FailedPrecondition, "failed-precondition", 400),
    (errors.Unauthenticated, "unauthenticated", 401),
    (errors.PermissionDenied, "permission-denied", 403),
    (errors.NotFound, "not-found", 404),
    (errors.AlreadyExists, "already-exists", 409),
    (errors.Aborted, "aborted", 409),
    (errors.ResourceExhausted, "resource-exhausted", 429),
    (errors.Internal, "internal", 500),
    (errors.Unavailable, "unavailable", 503),
]


def test_every_error_code_has_a_case_here() -> None:
    assert {code for _, code, _ in ALL_ERRORS} == {code.value for code in errors.ErrorCode}


@pytest.mark.parametrize(("error_type", "code", "status"), ALL_ERRORS)
def test_http_status_per_code(error_type: type[errors.AppError], code: str, status: int) -> None:
    error = error_type("something")

    assert error.code.value == code
    assert errors.http_status(error) == status


@pytest.mark.parametrize(("error_type", "code", "status"), ALL_ERRORS)
def test_to_https_error_keeps_the_code_message_and_details(
    error_type: type[errors.AppError], code: str, status: int
) -> None:
    error = error_type("no such key", field="keyId")

    https_error = errors.to_https_error(error)

    assert isinstance(https_error, https_fn.HttpsError)
    assert https_error.code == https_fn.FunctionsErrorCode(code)
    assert https_error.message == "no such key"
    assert https_error.details == {"field": "keyId"}


def test_to_https_error_sends_no_details_when_there_are_none() -> None:
    https_error = errors.to_https_error(errors.Internal("internal error"))

    assert https_error.details is None


def test_to_wire_shape_with_details() -> None:
    error = errors.NotFound("API key not found", field="keyId", details={"hint": "deleted?"})

    assert errors.to_wire(error) == {
        "status": "NOT_FOUND",
        "message": "API key not found",
        "details": {"hint": "deleted?", "field": "keyId"},
    }


def test_to_wire_shape_without_details() -> None:
    assert errors.to_wire(errors.ResourceExhausted("slow down")) == {
        "status": "RESOURCE_EXHAUSTED",
        "message": "slow down",
    }


def test_an_explicit_field_in_details_wins_over_the_keyword() -> None:
    error = errors.InvalidArgument("bad", field="outer", details={"field": "inner"})

    assert error.field == "inner"


def test_a_non_string_field_is_not_reported_as_a_field() -> None:
    error = errors.InvalidArgument("bad", details={"field": 3})

    assert error.field is None


def test_errors_do_not_share_details_with_the_caller_dict() -> None:
    given = {"reason": "x"}

    error = errors.InvalidArgument("bad", field="name", details=given)

    assert given == {"reason": "x"}
    assert error.details == {"reason": "x", "field": "name"}
