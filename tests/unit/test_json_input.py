"""Untrusted JSON at the edge: depth bounded, malformed input a clear error, never a RecursionError."""

from __future__ import annotations

import pytest

from shared import json_input


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(("value", "depth"), [(1, 0), ([], 1), ({"a": [1]}, 2), ({"a": {"b": {}}}, 3)])
def test_depth_counts_objects_and_arrays(value: object, depth: int) -> None:
    assert not json_input.deeper_than(value, depth)
    assert depth == 0 or json_input.deeper_than(value, depth - 1)


def test_json_at_the_limit_is_taken_and_one_level_more_is_refused() -> None:
    assert json_input.loads(nested(16)) == json_input.loads(nested(16), max_depth=100)
    with pytest.raises(json_input.TooDeep):
        json_input.loads(nested(17))


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_deeper_than_the_parser_can_go_is_refused_as_too_deep(depth: int) -> None:
    with pytest.raises(json_input.TooDeep):
        json_input.loads(nested(depth), max_depth=100_000)


@pytest.mark.parametrize("raw", ["{", "NaN", '{"a": Infinity}', b"\xff", ""])
def test_malformed_json_is_unusable(raw: str | bytes) -> None:
    with pytest.raises(json_input.UnusableJson):
        json_input.loads(raw)
