"""The task-queue transport, for every task function at once: a payload no retry can make usable is
acknowledged (200, logged) instead of being retried by Cloud Tasks, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from google.cloud import firestore

import functions
from tests.integration.conftest import all_documents
from tests.support.callables import call_raw

TASK_FUNCTIONS = [
    getattr(functions, name)
    for name in functions.__all__
    if getattr(getattr(getattr(functions, name), "__firebase_endpoint__", None), "taskQueueTrigger", None)
    is not None
]

UNUSABLE = [
    ("not JSON", "this is not json"),
    ("a JSON list", "[1, 2]"),
    ("no data envelope", '{"teamId": "team-a"}'),
    ("a field beside data", '{"data": {}, "extra": 1}'),
    ("data null", '{"data": null}'),
    ("data a string", '{"data": "team-a"}'),
    ("data missing its fields", '{"data": {}}'),
    ("data nested 5,000 deep", '{"data": ' + "[" * 5000 + "]" * 5000 + "}"),
]


def test_there_are_task_functions() -> None:
    assert {function.__name__ for function in TASK_FUNCTIONS} >= {"taskDeliverEvent", "taskRefreshToken"}


@pytest.mark.parametrize("function", TASK_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("case", "body"), UNUSABLE, ids=[case for case, _ in UNUSABLE])
def test_an_unusable_payload_is_acknowledged_and_changes_nothing(
    db: firestore.Client,
    team: str,
    function: Any,
    case: str,
    body: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = all_documents(db)

    answer = call_raw(function, body)

    assert answer.status == 200, (case, answer.body)
    assert all_documents(db) == before
    logged = capsys.readouterr().out
    assert "task failed for good" in logged or "acknowledged" in logged
