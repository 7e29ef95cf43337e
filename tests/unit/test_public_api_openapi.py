"""The OpenAPI document of `/v1`: built from the route table, every route in it, valid OpenAPI 3.1."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from pydantic import BaseModel
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from shared.models.api_keys import ApiKeyScope
from shared.public_api import openapi
from shared.public_api.problems import Problem, invalid
from shared.public_api.router import Call, Reply, Route
from shared.public_api.routes import router


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if not ref:
        return schema
    found: dict[str, Any] = document
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi.document()

    assert document["openapi"] == "3.1.0"
    assert list(OPENAPI_31_VALIDATOR.iter_errors(document)) == []
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


def test_every_route_appears_with_its_method_scope_and_models() -> None:
    document = openapi.document()
    routes = router().routes

    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if path != openapi.PATH
    }
    assert documented == {(route.method, route.pattern) for route in routes}
    for route in routes:
        operation = document["paths"][route.pattern][route.method.lower()]
        scope = route.scope.value
        assert operation["security"] == [{openapi.SECURITY_SCHEME: [scope]}]
        assert operation["x-required-scope"] == scope
        names = {(parameter["in"], parameter["name"]) for parameter in operation["parameters"]}
        assert {("path", segment[1:-1]) for segment in route.segments if segment.startswith("{")} <= names
        if route.query is not None:
            expected = route.query.model_json_schema(by_alias=True)["properties"]
            assert {name for kind, name in names if kind == "query"} == set(expected)
        if route.body is not None:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert _resolve(document, body)["title"] == route.body.__name__
        else:
            assert "requestBody" not in operation
        success = operation["responses"][str(route.status)]
        if route.response is not None:
            answer = _resolve(document, success["content"]["application/json"]["schema"])
            assert answer["title"] == route.response.model_json_schema(mode="serialization")["title"]
        for status in (400, 401, 403, 404, 429):
            problem = _resolve(document, operation["responses"][str(status)])
            assert _resolve(document, problem["content"]["application/problem+json"]["schema"])["title"] == (
                "ProblemDetails"
            )


def test_every_route_says_what_its_success_answers() -> None:
    """A route without a response model answers no body (204) or a text body of its media type (CSV);
    otherwise the document could not check its answers."""
    for route in router().routes:
        described = route.response is not None or route.media_type is not None
        assert described or route.status == 204, (route.method, route.pattern)


def test_the_security_scheme_is_the_bearer_api_key() -> None:
    scheme = openapi.document()["components"]["securitySchemes"][openapi.SECURITY_SCHEME]

    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert "jk_live_" in scheme["bearerFormat"]
    assert openapi.document()["paths"][openapi.PATH]["get"]["security"] == []


class _Query(BaseModel):
    size: int = 1


class _Body(BaseModel):
    name: str


class _Answer(BaseModel):
    id: str
    note: str | None = None


def _handler(call: Call) -> Reply:
    return Reply(200)


def test_any_route_table_builds_a_valid_document() -> None:
    routes = (
        Route("GET", "/v1/things", ApiKeyScope.REPORTS_READ, _handler, query=_Query, response=_Answer),
        Route("POST", "/v1/things/{id}/run", ApiKeyScope.REPORTS_EXECUTE, _handler, body=_Body),
        Route("DELETE", "/v1/things/{id}", ApiKeyScope.REPORTS_WRITE, _handler, status=204),
    )

    document = openapi.build(routes)

    assert list(OPENAPI_31_VALIDATOR.iter_errors(document)) == []
    listed = document["paths"]["/v1/things"]["get"]
    assert [parameter["name"] for parameter in listed["parameters"]] == ["size"]
    # Every field of an answer is always sent, so all are required; optional ones stay nullable.
    assert document["components"]["schemas"]["_Answer"]["required"] == ["id", "note"]
    run = document["paths"]["/v1/things/{id}/run"]["post"]
    assert {parameter["name"] for parameter in run["parameters"]} == {"id", "Idempotency-Key"}
    assert set(run["responses"]) >= {"200", "409", "415", "422"}
    assert set(document["paths"]["/v1/things/{id}"]["delete"]["responses"]["204"]) == {
        "description",
        "headers",
    }
    assert (
        len({operation["operationId"] for item in document["paths"].values() for operation in item.values()})
        == 4
    )


def test_problem_bodies_match_the_problem_schema() -> None:
    for problem in (Problem(404, "not-found", "no contact"), invalid("bad", "/email")):
        assert openapi.ProblemDetails.model_validate(problem.body()).model_dump() == problem.body()
