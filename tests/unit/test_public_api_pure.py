"""The public API's pure parts: route matching, problem documents and pointers, idempotency keys."""

from __future__ import annotations

import pydantic
import pytest

from shared.models.api_keys import ApiKeyScope
from shared.models.helpdesk import ContactCreate
from shared.public_api import contacts
from shared.public_api.idempotency import Scope, fingerprint, parse_key
from shared.public_api.problems import Problem, body_pointer, from_validation_error
from shared.public_api.router import Call, Matched, Reply, Route, Router, Unmatched


def nothing(call: Call) -> Reply:
    return Reply(204)


ROUTER = Router(
    [
        Route("GET", "/v1/things", ApiKeyScope.TICKETS_READ, nothing),
        Route("POST", "/v1/things", ApiKeyScope.TICKETS_WRITE, nothing),
        Route("GET", "/v1/things/{id}", ApiKeyScope.TICKETS_READ, nothing),
        Route("POST", "/v1/things/{id}/resolve", ApiKeyScope.TICKETS_RESOLVE, nothing),
    ]
)


def test_a_path_matches_its_route_with_its_parameters() -> None:
    found = ROUTER.match("POST", "/v1/things/t-1/resolve")

    assert isinstance(found, Matched)
    assert found.route.scope is ApiKeyScope.TICKETS_RESOLVE
    assert found.params == {"id": "t-1"}


def test_a_known_path_with_another_method_lists_the_allowed_ones() -> None:
    assert ROUTER.match("DELETE", "/v1/things") == Unmatched(("GET", "POST"))
    assert ROUTER.match("PATCH", "/v1/things/x") == Unmatched(("GET",))


@pytest.mark.parametrize(
    "path", ["/v1", "/", "", "/v1/things/x/y", "/v1/others", "/v2/things", "/v1/things//resolve"]
)
def test_an_unknown_path_matches_nothing(path: str) -> None:
    assert ROUTER.match("GET", path) == Unmatched(())


def test_two_routes_may_not_share_a_method_and_pattern() -> None:
    with pytest.raises(ValueError, match="share"):
        Router([Route("GET", "/v1/a", ApiKeyScope.TICKETS_READ, nothing)] * 2)


def test_every_contacts_route_is_guarded_by_a_contacts_scope() -> None:
    scopes = {(route.method, route.pattern): route.scope.value for route in contacts.ROUTES}

    assert scopes == {
        ("GET", "/v1/contacts"): "contacts:read",
        ("GET", "/v1/contacts/{id}"): "contacts:read",
        ("POST", "/v1/contacts"): "contacts:write",
        ("PATCH", "/v1/contacts/{id}"): "contacts:write",
        ("DELETE", "/v1/contacts/{id}"): "contacts:write",
    }


def test_pointers_escape_as_rfc_6901_says() -> None:
    assert body_pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
    assert body_pointer([]) == ""


def test_validation_errors_become_pointers_without_the_input() -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        ContactCreate.model_validate({"email": 5, "nickname": "s3cret-value"})

    problem = from_validation_error(raised.value, "body")

    assert problem.status == 400
    assert {item.pointer for item in problem.errors} == {"/email", "/nickname"}
    assert "s3cret-value" not in str(problem.body())


def test_a_problem_document_has_the_rfc_9457_members() -> None:
    body = Problem(404, "not-found", "no contact with this id").body()

    assert body == {
        "type": "https://docs.integrations.dev/problems/not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "no contact with this id",
        "code": "not-found",
    }


def test_the_fingerprint_ignores_key_order_and_spacing_but_not_values() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert fingerprint({"a": 1}) != fingerprint({"a": "1"})


def test_idempotency_records_are_unambiguous_per_key_route_and_parameters() -> None:
    base = Scope("team-a", "k1", "POST", "/v1/things/{id}/resolve", {"id": "x"})
    others = [
        Scope("team-a", "k2", "POST", "/v1/things/{id}/resolve", {"id": "x"}),
        Scope("team-a", "k1", "POST", "/v1/things", {}),
        Scope("team-a", "k1", "POST", "/v1/things/{id}/resolve", {"id": "y"}),
    ]

    assert len({base.record_id("k"), *(scope.record_id("k") for scope in others)}) == 4
    assert base.record_id("a_b") != base.record_id("a") != base.record_id("b")
    assert base.record_id("k") == Scope(
        "team-a", "k1", "POST", "/v1/things/{id}/resolve", {"id": "x"}
    ).record_id("k")


def test_idempotency_keys_may_come_quoted_as_the_draft_writes_them() -> None:
    assert parse_key('"8e03978e-40d5"') == "8e03978e-40d5"
    assert parse_key("order-1") == "order-1"
    with pytest.raises(Problem):
        parse_key('""')
