"""JSON from callers, parsed at the edge: malformed or too deeply nested input is a clear error, never a
RecursionError escaping as a 500.

Python's JSON parser gives up with RecursionError near 1,000 levels, and a value nested 900 levels deep
would still break whatever walks it next (Firestore refuses maps nested more than 20 deep). So the edge
refuses JSON nested more than `MAX_DEPTH` levels: no real input of ours comes near it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 16


class UnusableJson(ValueError):
    """The input is not JSON we take; the message says why, without echoing the input."""


class TooDeep(UnusableJson):
    """Valid JSON, nested more deeply than the edge takes."""


def _refuse_constant(name: str) -> Any:
    raise UnusableJson(f"{name} is not JSON")


def deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest more than `limit` levels (a scalar is level 0); no recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def loads(raw: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse untrusted JSON; UnusableJson when it is not JSON (NaN included) or nests too deeply."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise TooDeep(f"the JSON nests more than {max_depth} levels") from None
    except ValueError:
        raise UnusableJson("the body is not valid JSON") from None
    if deeper_than(value, max_depth):
        raise TooDeep(f"the JSON nests more than {max_depth} levels")
    return value
