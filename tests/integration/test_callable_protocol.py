"""The callable protocol, for every callable in the registry at once: a body that is not
`{"data": {...}}` is 400 invalid-argument, `data` must be an object, and only the public callables
answer a signed-out caller. Nothing is written in any of these cases."""

from __future__ import annotations

import base64
import inspect
import json
import re
import sys
from typing import Any

import pytest
from google.cloud import firestore
from pydantic.alias_generators import to_camel

import functions
from shared.callables import takes_no_argument
from tests.integration.conftest import all_documents
from tests.support.callables import call, call_raw

# Every function whose trigger is the callable protocol (the SDK marks them in the manifest).
CALLABLES = [
    getattr(functions, name)
    for name in functions.__all__
    if getattr(getattr(functions, name), "__firebase_endpoint__", None) is not None
    and getattr(functions, name).__firebase_endpoint__.callableTrigger is not None
]
# Callables whose input carries its own credential (an API key) or that show public data.
PUBLIC = {"api_keys_validate", "marketplace_list"}

NOT_A_DATA_OBJECT = [
    ('{"data": ', "application/json"),  # malformed JSON
    ("[1, 2]", "application/json"),  # not an object
    ('"data"', "application/json"),  # a JSON string
    ('{"teamId": "team-a"}', "application/json"),  # no data envelope
    ('{"data": {}, "extra": 1}', "application/json"),  # a field beside data
    ('{"data": {"teamId": "team-a"}}', "text/plain"),  # not JSON content
]


def test_the_registry_has_callables() -> None:
    assert len(CALLABLES) >= 28


@pytest.mark.parametrize("function", CALLABLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("body", "content_type"), NOT_A_DATA_OBJECT)
def test_a_body_that_is_not_a_data_object_is_refused(
    db: firestore.Client, team: str, function: Any, body: str, content_type: str
) -> None:
    before = all_documents(db)

    answer = call_raw(function, body, uid="owner", content_type=content_type)

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert all_documents(db) == before


def input_model(function: Any) -> Any:
    """The input model a callable serves (its module imports it under the name its body passes)."""
    module = sys.modules[function.__module__]
    source = inspect.getsource(module)
    match = re.search(r"serve(?:_public)?\(request, (\w+)", source)
    assert match, f"{function.__name__} does not serve an input model"
    return getattr(module, match.group(1))


# Callables whose inputs are all optional: the JS SDK's no-argument call sends {"data": null}.
NO_ARGUMENT = [f for f in CALLABLES if takes_no_argument(input_model(f))]
NEEDS_ARGUMENTS = [f for f in CALLABLES if f not in NO_ARGUMENT]


def test_the_no_argument_callables_are_the_catalogue_and_the_callers_teams() -> None:
    assert [f.__name__ for f in NO_ARGUMENT] == ["marketplace_list", "teams_list"]


@pytest.mark.parametrize("function", NO_ARGUMENT, ids=lambda f: f.__name__)
def test_a_callable_without_required_inputs_takes_null_as_no_argument(
    db: firestore.Client, team: str, function: Any
) -> None:
    answer = call(function, None, uid="owner")

    assert answer.status == 200, answer.body
    assert answer.result
    assert answer.result == call(function, {}, uid="owner").result


@pytest.mark.parametrize("function", NEEDS_ARGUMENTS, ids=lambda f: f.__name__)
def test_null_is_refused_where_an_input_is_required(db: firestore.Client, team: str, function: Any) -> None:
    before = all_documents(db)

    answer = call(function, None, uid="owner")

    assert answer.status == 400
    assert answer.error["details"]["field"] == "data"
    assert all_documents(db) == before


@pytest.mark.parametrize("function", CALLABLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("data", [[], ["teamId"], "team-a", 7, True])
def test_data_must_be_an_object(db: firestore.Client, team: str, function: Any, data: Any) -> None:
    before = all_documents(db)

    answer = call(function, data, uid="owner")

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == "data"
    assert all_documents(db) == before


@pytest.mark.parametrize(
    "function", [f for f in CALLABLES if f.__name__ not in PUBLIC], ids=lambda f: f.__name__
)
def test_a_signed_out_caller_is_unauthenticated_and_learns_nothing(
    db: firestore.Client, team: str, function: Any
) -> None:
    before = all_documents(db)

    answer = call(function, {"teamId": team, "bogus": True})

    assert answer.status == 401
    assert answer.error["status"] == "UNAUTHENTICATED"
    assert "details" not in answer.error
    assert all_documents(db) == before


@pytest.mark.parametrize("function", CALLABLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("depth", [17, 1_000, 100_000])
def test_deeply_nested_json_is_refused_not_a_500(
    db: firestore.Client, team: str, function: Any, depth: int
) -> None:
    nested = "[" * depth + "]" * depth
    before = all_documents(db)

    answer = call_raw(function, f'{{"data": {{"teamId": "{team}", "x": {nested}}}}}', uid="owner")

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == "data"
    assert "16 levels" in answer.error["message"]
    assert all_documents(db) == before


TEAM_CALLABLES = [f for f in CALLABLES if "team_id" in input_model(f).model_fields]


@pytest.mark.parametrize("function", TEAM_CALLABLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("team_id", ["__x__", ".", "..", "__.__"])
def test_ids_firestore_refuses_are_invalid_argument_naming_the_field(
    db: firestore.Client, team: str, function: Any, team_id: str
) -> None:
    before = all_documents(db)

    answer = call(function, {"teamId": team_id}, uid="owner")

    assert answer.status == 400
    assert "teamId" in [problem["field"] for problem in answer.error["details"]["errors"]]
    assert all_documents(db) == before


LIST_CALLABLES = [f for f in TEAM_CALLABLES if "cursor" in input_model(f).model_fields]


def forged_cursor(document_id: str) -> str:
    raw = json.dumps({"at": "2030-01-01T00:00:00+00:00", "id": document_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("function", LIST_CALLABLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("document_id", ["..", "__x__"])
def test_a_forged_cursor_holding_a_refused_id_is_invalid_argument(
    team: str, function: Any, document_id: str
) -> None:
    required = {
        name: "some-id"
        for name, field in input_model(function).model_fields.items()
        if field.is_required() and name != "team_id"
    }
    data = {"teamId": team, **{to_camel(name): value for name, value in required.items()}}

    answer = call(function, {**data, "cursor": forged_cursor(document_id)}, uid="owner")

    assert answer.status == 400, answer.body
    assert answer.error["details"]["field"] == "cursor"
