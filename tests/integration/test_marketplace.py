"""`marketplace_list` in-process through the SDK's callable handler: no sign-in, no Firestore."""

from __future__ import annotations

from typing import Any

import pytest

from functions import marketplace_list
from tests.support.callables import call, call_raw

ITEM_KEYS = {
    "id",
    "name",
    "type",
    "category",
    "description",
    "authKind",
    "oauthProvider",
    "configSchema",
    "docsUrl",
}


def test_lists_the_catalogue_without_sign_in_in_camel_case() -> None:
    answer = call(marketplace_list, {})

    assert answer.status == 200, answer.body
    assert set(answer.result) == {"items"}
    items = answer.result["items"]
    assert len(items) >= 11
    for item in items:
        assert set(item) == ITEM_KEYS
        assert item["configSchema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    names = [item["name"] for item in items]
    assert names == sorted(names, key=str.casefold)
    salesforce = next(item for item in items if item["id"] == "salesforce")
    assert salesforce["type"] == "rest"
    assert salesforce["authKind"] == "oauth2"
    assert salesforce["oauthProvider"] == "salesforce"


def test_filters_by_type_and_category() -> None:
    graphql = call(marketplace_list, {"type": "graphql"}).result["items"]
    crm = call(marketplace_list, {"category": "crm", "type": "rest"}).result["items"]

    assert graphql
    assert {item["type"] for item in graphql} == {"graphql"}
    assert {item["id"] for item in crm} == {"salesforce", "hubspot"}


def test_a_signed_in_caller_gets_the_same_list(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK verifies any ID token it is given, public callable or not; verification needs a project.
    monkeypatch.setenv("GCLOUD_PROJECT", "demo-marketplace")
    anonymous = call(marketplace_list, {"type": "slack"})
    signed_in = call(marketplace_list, {"type": "slack"}, uid="member")

    assert signed_in.status == 200
    assert signed_in.result == anonymous.result


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "fax"}, "type"),
        ({"unknown": 1}, "unknown"),
        ({"category": "c" * 51}, "category"),
        ([], "data"),
    ],
)
def test_bad_input_is_invalid_argument_naming_the_field(data: Any, field: str) -> None:
    answer = call(marketplace_list, data)

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
    assert answer.error["details"]["field"] == field


def test_a_body_that_is_not_json_is_invalid_argument() -> None:
    answer = call_raw(marketplace_list, "{not json")

    assert answer.status == 400
    assert answer.error["status"] == "INVALID_ARGUMENT"
