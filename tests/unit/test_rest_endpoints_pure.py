"""The body schema of team-defined endpoints: the bounds and the self-contained rule, checked when saved
(shared/public_api/endpoints.py), and validation that never reaches for a remote schema."""

from __future__ import annotations

from typing import Any

import pytest

from shared import errors
from shared.public_api.endpoints import MAX_SCHEMA_DEPTH, body_validator, check_schema, endpoint_id


def nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    while levels > 1:
        schema = {"type": "object", "properties": {"a": schema}}
        levels -= 2
    return schema


def test_a_schema_within_the_bounds_is_kept_as_compact_json() -> None:
    assert check_schema({"type": "object", "required": ["a"]}) == '{"type":"object","required":["a"]}'
    check_schema(nested(MAX_SCHEMA_DEPTH - 1))


@pytest.mark.parametrize(
    "schema",
    [
        nested(MAX_SCHEMA_DEPTH + 3),
        {"description": "x" * (64 * 1024)},
        {"$dynamicRef": "https://example.com/s.json#meta"},
        {"properties": {"a": {"$ref": "other.json"}}},
        {"items": {"$ref": "#/$defs/absent"}},
        {"type": 3},
    ],
    ids=["too deep", "too large", "remote dynamic ref", "relative ref", "dangling ref", "not a schema"],
)
def test_schemas_out_of_bounds_or_not_self_contained_are_refused_naming_schema(
    schema: dict[str, Any],
) -> None:
    with pytest.raises(errors.InvalidArgument) as refused:
        check_schema(schema)
    assert refused.value.field == "schema"


def test_recursive_local_references_validate_without_fetching_anything() -> None:
    text = check_schema(
        {
            "$defs": {"node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}}}},
            "$ref": "#/$defs/node",
        }
    )
    failures = list(body_validator(text).iter_errors({"next": {"next": 3}}))
    assert [list(error.absolute_path) for error in failures] == [["next", "next"]]


def test_the_id_depends_on_method_and_path_only() -> None:
    assert endpoint_id("POST", "/a") == endpoint_id("POST", "/a")
    assert len({endpoint_id("POST", "/a"), endpoint_id("PUT", "/a"), endpoint_id("POST", "/b")}) == 3


def test_patterns_are_refused_but_properties_named_like_them_are_not() -> None:
    from shared.public_api import endpoints

    named = {
        "type": "object",
        "properties": {"pattern": {"type": "string"}, "patternProperties": {"type": "string"}},
    }
    assert endpoints.check_schema(named)
    for schema in (
        {"type": "string", "pattern": "^(a+)+$"},
        {"items": {"pattern": "x"}},
        {"patternProperties": {"^a": {"type": "string"}}},
    ):
        with pytest.raises(errors.InvalidArgument) as refused:
            endpoints.check_schema(schema)
        assert refused.value.field == "schema"
