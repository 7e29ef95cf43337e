"""The route table's matching: a method and a path to a route and its path parameters.

A pattern is a path of literal segments and `{name}` segments; a `{name}` matches one non-empty
segment. A path no pattern matches is 404; a path some pattern matches under other methods only is 405
with `Allow`. The table is data (`routes.py`): one place lists every operation and the scope it needs,
which the OpenAPI document is built from (openapi.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from shared.models.api_keys import ApiKeyScope

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Call:
    """What a handler gets: the caller's team and key (from the key only), the path parameters, and the
    validated query and body models (None where the route takes none)."""

    team_id: str
    key_id: str
    params: Mapping[str, str]
    query: BaseModel | None = None
    body: BaseModel | None = None
    # Under an `Idempotency-Key`, the id a create makes: the same on every retry of the key.
    new_id: str | None = None

    def query_as(self, model: type[ModelT]) -> ModelT:
        if not isinstance(self.query, model):
            raise TypeError(f"the route declares no {model.__name__} query")
        return self.query

    def body_as(self, model: type[ModelT]) -> ModelT:
        if not isinstance(self.body, model):
            raise TypeError(f"the route declares no {model.__name__} body")
        return self.body


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # Another media type than JSON (a CSV export): `body` is then an iterable of text, streamed.
    media_type: str | None = None


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    scope: ApiKeyScope
    handler: Handler
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    # What a success answers, for the OpenAPI document: its status and the model of its JSON body
    # (None: no body, as a 204; or a body the document cannot describe).
    response: type[BaseModel] | None = None
    status: int = 200
    # A success that is not JSON (the CSV export): its media type, a text body.
    media_type: str | None = None

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.pattern.strip("/").split("/"))


@dataclass(frozen=True)
class Matched:
    route: Route
    params: Mapping[str, str]


@dataclass(frozen=True)
class Unmatched:
    """No route for this method: `allowed` lists the methods the path takes (empty: no such path)."""

    allowed: tuple[str, ...]


def _params(pattern: tuple[str, ...], segments: tuple[str, ...]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            if not actual:
                return None
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params


class Router:
    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)
        keys = [(route.method, route.segments) for route in self.routes]
        if len(set(keys)) != len(keys):
            raise ValueError("two routes share a method and a pattern")

    def match(self, method: str, path: str) -> Matched | Unmatched:
        segments = tuple(path.strip("/").split("/")) if path.strip("/") else ()
        allowed: list[str] = []
        for route in self.routes:
            params = _params(route.segments, segments)
            if params is None:
                continue
            if route.method == method:
                return Matched(route, params)
            allowed.append(route.method)
        return Unmatched(tuple(sorted(set(allowed))))
