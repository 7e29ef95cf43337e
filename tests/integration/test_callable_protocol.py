"""The callable protocol, for every callable in the registry at once: a body that is not
`{"data": {...}}` is 400 invalid-argument, `data` must be an object, and only the public callables
answer a signed-out caller. Nothing is written in any of these cases."""

from __future__ import annotations

from typing import Any

import pytest
from google.cloud import firestore

import functions
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


@pytest.mark.parametrize("function", CALLABLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("data", [None, [], ["teamId"], "team-a", 7, True])
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
