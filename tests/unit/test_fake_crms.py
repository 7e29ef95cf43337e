"""The fake CRMs the sync engine is tested against (tests/support/fake_hubspot.py, fake_salesforce.py).

These talk HTTP to the fakes on loopback with plain `requests`, because what the engine's tests rely on
is the fakes' wire behaviour: HubSpot's search (paging, the 10,000 cap, tie order, lag), batches and
merges; Salesforce's SOQL subset, query paging, sObject Collections and limits; auth, the clock, the
request log and failure injection of both; and the product's outbound client against their rate-limit
answers (its audit record goes to a list). In memory, no Firestore: milliseconds per test, a second or
two for the ones that page through more than 10,000 contacts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from shared.models.request_logs import RequestLogDoc
from shared.outbound import AuditTarget, OutboundClient, OutboundRequest
from shared.settings import get_settings
from tests.support.fake_crm import Call, Clock
from tests.support.fake_hubspot import SEARCH_RESULT_CAP, FakeHubSpot, hubspot_time, parse_hubspot_time
from tests.support.fake_salesforce import FakeSalesforce, normalize_id, salesforce_time

TOKEN = "token-under-test"
T0 = 1_800_000_000_000  # 2027-01-15T08:00:00.000Z
CONTACTS = "/crm/v3/objects/contacts"
SF = "/services/data/v60.0"


class Api:
    """A requests session on one fake, with its bearer token."""

    def __init__(self, url: str, token: str = TOKEN) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> requests.Response:
        return self.session.get(self.url + path, params=params, headers=headers, timeout=10)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.session.post(self.url + path, json=body, timeout=10)

    def patch(self, path: str, body: Any) -> requests.Response:
        return self.session.patch(self.url + path, json=body, timeout=10)

    def delete(self, path: str, **params: Any) -> requests.Response:
        return self.session.delete(self.url + path, params=params, timeout=10)


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    with FakeHubSpot(token=TOKEN) as fake:
        fake.clock.freeze(T0)
        yield fake


@pytest.fixture
def salesforce() -> Iterator[FakeSalesforce]:
    with FakeSalesforce(token=TOKEN) as fake:
        fake.clock.freeze(T0)
        yield fake


@pytest.fixture
def hs(hubspot: FakeHubSpot) -> Iterator[Api]:
    api = Api(hubspot.url)
    yield api
    api.session.close()


@pytest.fixture
def sf(salesforce: FakeSalesforce) -> Iterator[Api]:
    api = Api(salesforce.url)
    yield api
    api.session.close()


def by_modified(after: str | None = None, limit: int = 100, since_ms: int = 0, **more: Any) -> dict[str, Any]:
    """The engine's incremental search: lastmodifieddate >= since, ascending, id as tie-break."""
    body: dict[str, Any] = {
        "filterGroups": [
            {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(since_ms)}]}
        ],
        "sorts": [
            {"propertyName": "lastmodifieddate", "direction": "ASCENDING"},
            {"propertyName": "hs_object_id", "direction": "ASCENDING"},
        ],
        "properties": ["email", "firstname"],
        "limit": limit,
        **more,
    }
    if after is not None:
        body["after"] = after
    return body


def search_ids(hs: Api, body: dict[str, Any]) -> list[str]:
    response = hs.post(f"{CONTACTS}/search", body)
    assert response.status_code == 200, response.text
    return [result["id"] for result in response.json()["results"]]


def soql(sf: Api, query: str, all_rows: bool = False, **headers: str) -> requests.Response:
    return sf.get(f"{SF}/{'queryAll' if all_rows else 'query'}", headers=headers or None, q=query)


def rows(sf: Api, query: str, all_rows: bool = False) -> list[dict[str, Any]]:
    response = soql(sf, query, all_rows)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["done"] is True
    return list(body["records"])


def sf_record(**fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Contact"}, **fields}


# ================================================================================================ shared


def test_the_clock_freezes_advances_and_thaws_without_going_back() -> None:
    clock = Clock()
    assert clock.freeze(T0) == T0
    assert clock.now_ms() == T0
    assert clock.advance(250) == T0 + 250
    clock.thaw()
    assert clock.now_ms() >= T0 + 250
    running = clock.now_ms()
    assert clock.advance(60_000) >= running + 60_000


@pytest.mark.parametrize("fake_type", [FakeHubSpot, FakeSalesforce])
def test_a_wrong_or_missing_token_is_refused_and_logged(
    fake_type: type[FakeHubSpot | FakeSalesforce],
) -> None:
    path = f"{CONTACTS}/search" if fake_type is FakeHubSpot else f"{SF}/query"
    with fake_type(token=TOKEN) as fake:
        wrong = requests.get(fake.url + path, headers={"Authorization": "Bearer other"}, timeout=10)
        missing = requests.get(fake.url + path, timeout=10)
        assert (wrong.status_code, missing.status_code) == (401, 401)
        fake.token = "rotated"
        assert Api(fake.url, "rotated").get(path, q="SELECT Id FROM Contact").status_code != 401
        assert [call.status for call in fake.requests][:2] == [401, 401]
        assert fake.writes() == 0
    body = wrong.json()
    if fake_type is FakeHubSpot:
        assert body["category"] == "INVALID_AUTHENTICATION"
    else:
        assert body == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_the_log_counts_every_call_by_endpoint_and_only_successful_writes(
    hubspot: FakeHubSpot, hs: Api
) -> None:
    hs.post(f"{CONTACTS}/search", {})
    hs.post(f"{CONTACTS}/batch/create", {"inputs": [{"properties": {"email": "a@x.io"}}]})
    hs.post(f"{CONTACTS}/batch/create", {"inputs": [{"properties": {"email": "A@x.io"}}]})  # 409
    hs.get(f"{CONTACTS}/nope/extra")
    assert hubspot.calls() == 4
    assert hubspot.calls("batch_create") == 2
    assert hubspot.counts["unknown"] == 1
    assert hubspot.writes() == 1
    create = hubspot.requests[1]
    assert create == Call("POST", f"{CONTACTS}/batch/create", {}, create.body, "batch_create", 201)
    assert create.body == {"inputs": [{"properties": {"email": "a@x.io"}}]}
    hubspot.reset_log()
    assert hubspot.calls() == 0
    assert len(hubspot.records()) == 1


def test_failures_are_injected_in_order_and_by_endpoint(hubspot: FakeHubSpot, hs: Api) -> None:
    hubspot.fail_next(2, status=503)
    assert [hs.post(f"{CONTACTS}/search", {}).status_code for _ in range(3)] == [503, 503, 200]

    hubspot.fail_next(1, status=500, endpoint="batch_read")
    assert hs.post(f"{CONTACTS}/search", {}).status_code == 200
    assert hs.post(f"{CONTACTS}/batch/read", {"inputs": []}).status_code == 500

    hubspot.rate_limit_next(1, retry_after_seconds=3)
    limited = hs.post(f"{CONTACTS}/search", {})
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert limited.json()["errorType"] == "RATE_LIMIT"

    hubspot.fail_after(2, status=502, endpoint="search")
    assert [hs.post(f"{CONTACTS}/search", {}).status_code for _ in range(4)] == [200, 200, 502, 200]

    hubspot.fail_next(1, status=500)
    hubspot.fail_next(1, status=503)
    hubspot.fail_after(1, status=504)
    assert [hs.post(f"{CONTACTS}/search", {}).status_code for _ in range(4)] == [500, 503, 504, 200]

    hubspot.fail_after(1, times=None)
    assert [hs.post(f"{CONTACTS}/search", {}).status_code for _ in range(3)] == [200, 500, 500]
    hubspot.clear_failures()
    assert hs.post(f"{CONTACTS}/search", {}).status_code == 200

    with pytest.raises(ValueError, match="unknown endpoint"):
        hubspot.fail_next(endpoint="serach")


def test_the_request_hook_runs_after_each_answer_and_may_change_records(
    hubspot: FakeHubSpot, hs: Api
) -> None:
    ids = hubspot.add_many([{"email": f"p{n}@x.io"} for n in range(4)])
    seen: list[tuple[str, int]] = []

    def between_pages(call: Call) -> None:
        seen.append((call.endpoint, call.status))
        if len(seen) == 1:
            hubspot.clock.advance(10)
            hubspot.modify(ids[0], firstname="Changed")

    hubspot.on_request = between_pages
    first = search_ids(hs, by_modified(limit=2))
    second = search_ids(hs, by_modified(after="2", limit=2))
    assert seen == [("search", 200), ("search", 200)]
    # The change moved ids[0] to the end: an offset-paged search shifts under writes, as HubSpot's does.
    assert first == ids[:2]
    assert second == [ids[3], ids[0]]


def test_the_outbound_client_honours_the_fakes_rate_limit_answers(hubspot: FakeHubSpot) -> None:
    """What the engine will meet: shared/outbound.py waits out HubSpot's 429 by its Retry-After and sends
    again (two remote calls, one audit record), and does not retry Salesforce's 403 quota refusal."""
    settings = dataclasses.replace(get_settings(), allow_private_networks=True)
    audit: list[RequestLogDoc] = []
    waits: list[float] = []
    client = OutboundClient(settings, sleep=waits.append, audit_writer=audit.append)
    target = AuditTarget(team_id="team-1", integration_id="integration-1")
    headers = {"Authorization": f"Bearer {TOKEN}"}

    hubspot.rate_limit_next(1, retry_after_seconds=2)
    search = OutboundRequest("POST", f"{hubspot.url}{CONTACTS}/search", headers, json={}, secrets=[TOKEN])
    answer = client.send(search, target)
    assert (answer.status_code, answer.attempts) == (200, 2)
    assert [call.status for call in hubspot.requests] == [429, 200]
    assert max(waits) >= 2
    assert len(audit) == 1
    assert TOKEN not in audit[0].model_dump_json()

    with FakeSalesforce(token=TOKEN) as salesforce:
        salesforce.rate_limit_next(1)
        query = OutboundRequest("GET", f"{salesforce.url}{SF}/query?q=SELECT+Id+FROM+Contact", headers)
        refused = client.send(query, target)
        assert (refused.status_code, refused.attempts) == (403, 1)
        assert salesforce.calls() == 1


# ================================================================================================ HubSpot


def test_search_pages_by_offset_with_total_and_next(hubspot: FakeHubSpot, hs: Api) -> None:
    ids = hubspot.add_many([{"email": f"c{n}@x.io"} for n in range(250)])
    pages, after = [], None
    while True:
        answer = hs.post(f"{CONTACTS}/search", by_modified(after=after)).json()
        assert answer["total"] == 250
        pages.append([result["id"] for result in answer["results"]])
        after = answer.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break
    assert [len(page) for page in pages] == [100, 100, 50]
    assert [id for page in pages for id in page] == ids
    result = hs.post(f"{CONTACTS}/search", by_modified(limit=1)).json()["results"][0]
    assert result["properties"] == {
        "email": "c0@x.io",
        "firstname": None,
        "hs_object_id": ids[0],
        "createdate": "2027-01-15T08:00:00.000Z",
        "lastmodifieddate": "2027-01-15T08:00:00.000Z",
    }
    assert result["archived"] is False
    assert result["createdAt"] == result["updatedAt"] == hubspot_time(T0)


def test_search_refuses_to_page_beyond_10000_results(hubspot: FakeHubSpot, hs: Api) -> None:
    hubspot.add_many([{"firstname": f"n{n}"} for n in range(10_050)])
    last_page = hs.post(f"{CONTACTS}/search", by_modified(after="9800", limit=200)).json()
    assert len(last_page["results"]) == 200
    assert last_page["total"] == 10_050
    assert last_page["paging"]["next"]["after"] == "10000"
    for after, limit in (("10000", 200), ("10000", 1), ("9950", 100)):
        beyond = hs.post(f"{CONTACTS}/search", by_modified(after=after, limit=limit))
        assert beyond.status_code == 400
        assert beyond.json()["status"] == "error"
        assert beyond.json()["category"] == "VALIDATION_ERROR"
    assert hs.post(f"{CONTACTS}/search", by_modified(limit=201)).status_code == 400


def test_restarting_from_the_last_cursor_reads_past_the_cap_exactly_once(
    hubspot: FakeHubSpot, hs: Api
) -> None:
    """The engine's way through the cap: a new search from the last lastmodifieddate, deduplicated by id;
    and, for a cluster of more than 10,000 in one millisecond, EQ on it walked by hs_object_id."""
    hubspot.clock.thaw()
    ids = []
    for chunk in range(21):  # 10,500 contacts, 500 per millisecond
        hubspot.clock.freeze(T0 + chunk)
        ids += hubspot.add_many([{"firstname": f"n{chunk}-{n}"} for n in range(500)])
    seen: dict[str, None] = {}
    since, after = 0, None
    while True:
        answer = hs.post(f"{CONTACTS}/search", by_modified(after=after, limit=200, since_ms=since)).json()
        for result in answer["results"]:
            seen.setdefault(result["id"])
        after = answer.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break
        if int(after) + 200 > SEARCH_RESULT_CAP:
            last_modified = parse_hubspot_time(answer["results"][-1]["properties"]["lastmodifieddate"])
            assert last_modified is not None
            since, after = last_modified, None
    assert list(seen) == ids

    hubspot.touch(*ids)  # a month-end batch update: every contact in one millisecond
    walked: list[str] = []
    last_id = 0
    while True:
        filters = [
            {"propertyName": "lastmodifieddate", "operator": "EQ", "value": str(T0 + 20)},
            {"propertyName": "hs_object_id", "operator": "GT", "value": str(last_id)},
        ]
        body = {"filterGroups": [{"filters": filters}], "sorts": ["hs_object_id"], "limit": 200}
        page = search_ids(hs, body)
        if not page:
            break
        walked += page
        last_id = int(page[-1])
    assert walked == ids


def test_equal_timestamps_come_in_id_order_numerically_or_scrambled(hubspot: FakeHubSpot, hs: Api) -> None:
    ids = hubspot.add_many([{"email": f"t{n}@x.io"} for n in range(12)])  # ids "1".."12": "9" < "10"
    single_sort = by_modified(sorts=["lastmodifieddate"], limit=12)
    assert search_ids(hs, single_sort) == ids
    assert search_ids(hs, by_modified(limit=12)) == ids
    descending = by_modified(sorts=[{"propertyName": "hs_object_id", "direction": "DESCENDING"}], limit=12)
    assert search_ids(hs, descending) == ids[::-1]
    assert search_ids(hs, by_modified(sorts=["-hs_object_id"], limit=12)) == ids[::-1]

    hubspot.tie_order = "scrambled"
    scrambled = search_ids(hs, single_sort)
    assert sorted(scrambled, key=int) == ids
    assert scrambled != ids
    paged = search_ids(hs, {**single_sort, "limit": 5}) + search_ids(
        hs, {**single_sort, "limit": 7, "after": "5"}
    )
    assert paged == scrambled
    assert search_ids(hs, by_modified(limit=12)) == ids  # an explicit id sort is still honoured

    hubspot.max_sorts = 1
    assert hs.post(f"{CONTACTS}/search", by_modified()).status_code == 400


def test_search_filters_by_type_with_and_inside_groups_and_or_across(hubspot: FakeHubSpot, hs: Api) -> None:
    a = hubspot.add(email="Ann@Example.com", firstname="Ann", num_tickets=9)
    hubspot.clock.advance(1_000)
    b = hubspot.add(email="bob@example.com", firstname="Bob", num_tickets=10)
    hubspot.clock.advance(1_000)
    c = hubspot.add(email="cy@other.io", customer_tier="gold")

    def where(*groups: list[dict[str, Any]]) -> list[str]:
        return search_ids(hs, {"filterGroups": [{"filters": group} for group in groups], "limit": 100})

    modified = "lastmodifieddate"
    assert where([{"propertyName": modified, "operator": "GTE", "value": str(T0 + 1_000)}]) == [b, c]
    assert where([{"propertyName": modified, "operator": "GT", "value": hubspot_time(T0 + 1_000)}]) == [c]
    assert where([{"propertyName": modified, "operator": "LT", "value": "2027-01-15T08:00:01Z"}]) == [a]
    between = {
        "propertyName": modified,
        "operator": "BETWEEN",
        "value": str(T0),
        "highValue": str(T0 + 1_000),
    }
    assert where([between]) == [a, b]
    emails = {"propertyName": "email", "operator": "IN", "values": ["ann@example.com", "CY@OTHER.IO"]}
    assert where([emails]) == [a, c]
    assert where([{"propertyName": "email", "operator": "EQ", "value": "BOB@example.com"}]) == [b]
    assert where([{"propertyName": "num_tickets", "operator": "GT", "value": "9"}]) == [
        b
    ]  # numeric, not "10" < "9"
    assert where([{"propertyName": "customer_tier", "operator": "HAS_PROPERTY"}]) == [c]
    assert where([{"propertyName": "customer_tier", "operator": "NOT_HAS_PROPERTY"}]) == [a, b]
    assert where([{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@example.com"}]) == [
        a,
        b,
    ]
    ann_or_cy = where(
        [{"propertyName": "firstname", "operator": "EQ", "value": "ann"}],
        [{"propertyName": "customer_tier", "operator": "EQ", "value": "gold"}],
    )
    assert ann_or_cy == [a, c]
    both = [
        {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@example.com"},
        {"propertyName": "num_tickets", "operator": "LTE", "value": "9"},
    ]
    assert where(both) == [a]

    for bad in (
        {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "x"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "SOUNDS_LIKE", "value": "x"}]}]},
        {"filterGroups": [{"filters": []}] * 6},
        {"sorts": [{"propertyName": "nope"}]},
        {"after": "-1"},
    ):
        assert hs.post(f"{CONTACTS}/search", bad).status_code == 400, bad


def test_lastmodifieddate_is_the_time_of_the_change(hubspot: FakeHubSpot, hs: Api) -> None:
    contact = hubspot.add(email="a@x.io", firstname="Ann")
    hubspot.clock.advance(5_000)
    hubspot.modify(contact, firstname="Anna")
    assert hubspot.get(contact)["properties"]["lastmodifieddate"] == hubspot_time(T0 + 5_000)  # type: ignore[index]
    assert hubspot.get(contact)["properties"]["createdate"] == hubspot_time(T0)  # type: ignore[index]

    hubspot.clock.advance(5_000)
    same = hs.post(
        f"{CONTACTS}/batch/update", {"inputs": [{"id": contact, "properties": {"firstname": "Anna"}}]}
    )
    assert same.status_code == 200
    assert same.json()["results"][0]["properties"]["lastmodifieddate"] == hubspot_time(T0 + 5_000)

    hubspot.touch_on_unchanged_update = True
    hs.post(f"{CONTACTS}/batch/update", {"inputs": [{"id": contact, "properties": {"firstname": "Anna"}}]})
    assert hubspot.get(contact)["updatedAt"] == hubspot_time(T0 + 10_000)  # type: ignore[index]

    hubspot.clock.advance(5_000)
    hubspot.touch(contact)
    assert hubspot.get(contact)["updatedAt"] == hubspot_time(T0 + 15_000)  # type: ignore[index]


def test_archiving_hides_a_contact_from_search_without_moving_its_date(hubspot: FakeHubSpot, hs: Api) -> None:
    kept, gone = hubspot.add(email="k@x.io"), hubspot.add(email="g@x.io")
    hubspot.clock.advance(1_000)
    assert hs.delete(f"{CONTACTS}/{gone}").status_code == 204
    assert search_ids(hs, by_modified()) == [kept]
    assert hs.get(f"{CONTACTS}/{gone}").status_code == 404
    archived = hs.get(CONTACTS, archived="true").json()["results"]
    assert [(r["id"], r["archived"], r["archivedAt"]) for r in archived] == [
        (gone, True, hubspot_time(T0 + 1_000))
    ]
    assert archived[0]["properties"]["lastmodifieddate"] == hubspot_time(T0)
    assert hs.get(f"{CONTACTS}/{gone}", archived="true").status_code == 200
    # The email is free again: a new contact may take it.
    assert (
        hs.post(f"{CONTACTS}/batch/create", {"inputs": [{"properties": {"email": "g@x.io"}}]}).status_code
        == 201
    )
    hs.post(f"{CONTACTS}/batch/archive", {"inputs": [{"id": kept}]})
    assert [r["id"] for r in hubspot.records(archived=True)] == [kept, gone]


def test_search_lags_behind_changes_by_the_index_lag(hubspot: FakeHubSpot, hs: Api) -> None:
    old = hubspot.add(email="old@x.io", firstname="Before")
    hubspot.search_lag_ms = 5_000
    hubspot.clock.advance(1_000)
    new = hubspot.add(email="new@x.io")
    hubspot.modify(old, firstname="After")
    answer = hs.post(f"{CONTACTS}/search", by_modified()).json()
    assert [(r["id"], r["properties"]["firstname"]) for r in answer["results"]] == [(old, "Before")]
    assert answer["results"][0]["properties"]["lastmodifieddate"] == hubspot_time(T0)
    assert hs.get(f"{CONTACTS}/{old}", properties="firstname").json()["properties"]["firstname"] == "After"
    hubspot.clock.advance(5_000)
    answer = hs.post(f"{CONTACTS}/search", by_modified()).json()
    assert [(r["id"], r["properties"]["firstname"]) for r in answer["results"]] == [
        (old, "After"),
        (new, None),
    ]


def test_the_list_endpoint_pages_by_id_with_chosen_properties(hubspot: FakeHubSpot, hs: Api) -> None:
    ids = hubspot.add_many([{"email": f"l{n}@x.io", "company": f"Co {n}"} for n in range(25)])
    first = hs.get(CONTACTS, limit=10, properties="company,email").json()
    assert [r["id"] for r in first["results"]] == ids[:10]
    assert set(first["results"][0]["properties"]) == {
        "company",
        "email",
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
    }
    assert first["paging"]["next"]["link"].startswith(hubspot.url)
    rest = hs.get(CONTACTS, limit=100, after=first["paging"]["next"]["after"]).json()
    assert [r["id"] for r in rest["results"]] == ids[10:]
    assert "paging" not in rest
    assert hs.get(CONTACTS, limit=101).status_code == 400


def test_batch_create_answers_201_and_refuses_a_whole_batch_on_one_bad_input(
    hubspot: FakeHubSpot, hs: Api
) -> None:
    hubspot.add(email="taken@x.io")
    created = hs.post(
        f"{CONTACTS}/batch/create",
        {
            "inputs": [
                {"properties": {"email": " New@X.io ", "firstname": "N", "num_tickets": 3}},
                {"properties": {}},
            ]
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "COMPLETE"
    assert [r["properties"].get("email") for r in body["results"]] == ["new@x.io", None]
    assert body["results"][0]["properties"]["num_tickets"] == "3"  # every value is a string
    before = len(hubspot.records())
    refusals = {
        "PROPERTY_DOESNT_EXIST": {"shoe_size": "9"},
        "READ_ONLY_VALUE": {"lastmodifieddate": "0"},
        "INVALID_EMAIL": {"email": "not-an-email"},
        "INVALID_OPTION": {"customer_tier": "platinum"},
    }
    for error, properties in refusals.items():
        refused = hs.post(
            f"{CONTACTS}/batch/create",
            {"inputs": [{"properties": {"email": "ok@x.io"}}, {"properties": properties}]},
        )
        assert refused.status_code == 400
        assert error in refused.json()["message"]
    conflict = hs.post(f"{CONTACTS}/batch/create", {"inputs": [{"properties": {"email": "TAKEN@x.io"}}]})
    assert conflict.status_code == 409
    assert conflict.json()["category"] == "CONFLICT"
    assert (
        conflict.json()["message"]
        == f"Contact already exists. Existing ID: {hubspot.find_by_email('taken@x.io')['id']}"
    )  # type: ignore[index]
    twice = [{"properties": {"email": "twin@x.io"}}, {"properties": {"email": "TWIN@x.io"}}]
    assert hs.post(f"{CONTACTS}/batch/create", {"inputs": twice}).status_code == 400
    with pytest.raises(ValueError, match="Duplicate email"):
        hubspot.add_many([{"email": "twin@x.io"}, {"email": "twin@x.io"}])
    too_many = hs.post(f"{CONTACTS}/batch/create", {"inputs": [{"properties": {}}] * 101})
    assert too_many.status_code == 400
    assert len(hubspot.records()) == before


def test_batch_read_and_update_report_missing_ids_with_207(hubspot: FakeHubSpot, hs: Api) -> None:
    a, b = hubspot.add(email="a@x.io"), hubspot.add(email="b@x.io")
    read = hs.post(f"{CONTACTS}/batch/read", {"inputs": [{"id": a}, {"id": "999"}], "properties": ["email"]})
    assert read.status_code == 207
    assert [r["id"] for r in read.json()["results"]] == [a]
    assert read.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert read.json()["errors"][0]["context"] == {"ids": ["999"]}
    by_email = hs.post(f"{CONTACTS}/batch/read", {"inputs": [{"id": "B@X.IO"}], "idProperty": "email"})
    assert [r["id"] for r in by_email.json()["results"]] == [b]
    assert hs.post(f"{CONTACTS}/batch/read", {"inputs": [{"id": a}] * 101}).status_code == 400

    hubspot.clock.advance(1_000)
    updated = hs.post(
        f"{CONTACTS}/batch/update",
        {
            "inputs": [
                {"id": a, "properties": {"firstname": "Ann", "phone": None}},
                {"id": "999", "properties": {}},
            ]
        },
    )
    assert updated.status_code == 207
    assert updated.json()["results"][0]["properties"]["firstname"] == "Ann"
    collision = hs.post(
        f"{CONTACTS}/batch/update", {"inputs": [{"id": a, "properties": {"email": "B@x.io"}}]}
    )
    assert collision.status_code == 409
    assert hubspot.get(a)["properties"]["email"] == "a@x.io"  # type: ignore[index]
    cleared = hs.post(f"{CONTACTS}/batch/update", {"inputs": [{"id": a, "properties": {"firstname": ""}}]})
    assert cleared.json()["results"][0]["properties"].get("firstname") is None


def test_batch_upsert_by_email_never_duplicates(hubspot: FakeHubSpot, hs: Api) -> None:
    existing = hubspot.add(email="ann@x.io", firstname="Ann")
    inputs = [
        {"idProperty": "email", "id": "ANN@x.io", "properties": {"lastname": "Lee"}},
        {"idProperty": "email", "id": "bob@x.io", "properties": {"firstname": "Bob"}},
    ]
    first = hs.post(f"{CONTACTS}/batch/upsert", {"inputs": inputs}).json()
    assert [(r["id"] == existing, r["new"]) for r in first["results"]] == [(True, False), (False, True)]
    again = hs.post(f"{CONTACTS}/batch/upsert", {"inputs": inputs}).json()
    assert [r["new"] for r in again["results"]] == [False, False]
    assert sorted(r["properties"]["email"] for r in hubspot.records()) == ["ann@x.io", "bob@x.io"]
    assert hubspot.get(existing)["properties"]["lastname"] == "Lee"  # type: ignore[index]
    twice = hs.post(f"{CONTACTS}/batch/upsert", {"inputs": [inputs[1], {**inputs[1], "id": "BOB@x.io"}]})
    assert twice.status_code == 400


def test_concurrent_upserts_of_the_same_emails_never_duplicate(hubspot: FakeHubSpot) -> None:
    emails = [f"shared{n}@x.io" for n in range(50)]

    def upsert(worker: int) -> list[int]:
        api = Api(hubspot.url)
        inputs = [
            {"idProperty": "email", "id": email.upper(), "properties": {"firstname": f"w{worker}"}}
            for email in emails
        ]
        statuses = [api.post(f"{CONTACTS}/batch/upsert", {"inputs": inputs}).status_code for _ in range(3)]
        api.session.close()
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for result in pool.map(upsert, range(8)) for status in result]
    assert statuses == [200] * 24
    assert sorted(r["properties"]["email"] for r in hubspot.records()) == sorted(emails)
    assert hubspot.calls("batch_upsert") == 24


def test_batch_results_may_come_in_another_order(hubspot: FakeHubSpot, hs: Api) -> None:
    hubspot.reorder_batch_results = True
    created = hs.post(
        f"{CONTACTS}/batch/create", {"inputs": [{"properties": {"email": f"o{n}@x.io"}} for n in range(3)]}
    )
    assert [r["properties"]["email"] for r in created.json()["results"]] == ["o2@x.io", "o1@x.io", "o0@x.io"]


def test_a_merge_keeps_the_primary_and_redirects_the_secondary(hubspot: FakeHubSpot, hs: Api) -> None:
    primary = hubspot.add(email="p@x.io", firstname="Pat")
    secondary = hubspot.add(email="s@x.io", firstname="Sam", phone="+15550100")
    third = hubspot.add(email="t@x.io")
    hubspot.clock.advance(2_000)
    survivor = hs.post(f"{CONTACTS}/merge", {"primaryObjectId": primary, "objectIdToMerge": secondary}).json()
    assert survivor["id"] == primary
    properties = survivor["properties"]
    assert (properties["firstname"], properties["phone"], properties["email"]) == (
        "Pat",
        "+15550100",
        "p@x.io",
    )
    assert properties["hs_merged_object_ids"] == secondary
    assert properties["hs_additional_emails"] == "s@x.io"
    assert properties["lastmodifieddate"] == hubspot_time(T0 + 2_000)
    assert search_ids(hs, by_modified()) == [third, primary]
    redirected = hs.get(f"{CONTACTS}/{secondary}")
    assert redirected.status_code == 200
    assert redirected.json()["id"] == primary
    read = hs.post(f"{CONTACTS}/batch/read", {"inputs": [{"id": secondary}]}).json()
    assert [r["id"] for r in read["results"]] == [primary]
    assert hubspot.get(secondary)["mergedInto"] == primary  # type: ignore[index]

    hubspot.merge(primary, third)
    assert hubspot.get(primary)["properties"]["hs_merged_object_ids"] == f"{secondary};{third}"  # type: ignore[index]
    assert [r["id"] for r in hubspot.records()] == [primary]


def test_a_merge_can_give_the_survivor_a_new_id(hubspot: FakeHubSpot, hs: Api) -> None:
    hubspot.merge_creates_new_id = True
    primary, secondary = hubspot.add(email="p@x.io"), hubspot.add(email="s@x.io")
    survivor = hubspot.merge(primary, secondary)
    assert survivor not in (primary, secondary)
    assert hs.get(f"{CONTACTS}/{primary}").json()["id"] == survivor
    assert hs.get(f"{CONTACTS}/{secondary}").json()["id"] == survivor
    assert hubspot.get(survivor)["properties"]["hs_merged_object_ids"] == f"{secondary};{primary}"  # type: ignore[index]
    assert hubspot.find_by_email("P@x.io")["id"] == survivor  # type: ignore[index]


def test_get_one_contact_by_id_or_email(hubspot: FakeHubSpot, hs: Api) -> None:
    contact = hubspot.add(email="one@x.io", firstname="One")
    by_id = hs.get(f"{CONTACTS}/{contact}", properties=["firstname", "phone"]).json()
    assert by_id["properties"]["firstname"] == "One"
    assert by_id["properties"]["phone"] is None
    assert hs.get(f"{CONTACTS}/ONE@x.io", idProperty="email").json()["id"] == contact
    missing = hs.get(f"{CONTACTS}/424242")
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"


def test_the_properties_api_names_fields_with_types(hubspot: FakeHubSpot, hs: Api) -> None:
    hubspot.add_property("nps_score", type="number", field_type="number", label="NPS")
    properties = {p["name"]: p for p in hs.get("/crm/v3/properties/contacts").json()["results"]}
    for name in (
        "email",
        "firstname",
        "lastname",
        "phone",
        "company",
        "lastmodifieddate",
        "favorite_color",
        "nps_score",
    ):
        assert name in properties
    assert (properties["lastmodifieddate"]["type"], properties["lastmodifieddate"]["fieldType"]) == (
        "datetime",
        "date",
    )
    assert properties["lastmodifieddate"]["modificationMetadata"]["readOnlyValue"] is True
    assert properties["email"]["modificationMetadata"]["readOnlyValue"] is False
    assert [o["value"] for o in properties["customer_tier"]["options"]] == ["bronze", "silver", "gold"]
    assert properties["nps_score"]["label"] == "NPS"
    assert hs.get("/crm/v3/properties/contacts/email").json()["label"] == "Email"
    assert hs.get("/crm/v3/properties/contacts/nope").status_code == 404


def test_a_validation_rule_refuses_the_write(hubspot: FakeHubSpot, hs: Api) -> None:
    hubspot.add_validation_rule(lambda properties: properties.get("lastname") == "Reject", "no rejects here")
    refused = hs.post(f"{CONTACTS}/batch/create", {"inputs": [{"properties": {"lastname": "Reject"}}]})
    assert refused.status_code == 400
    assert "no rejects here" in refused.json()["message"]
    assert hubspot.records() == []


def test_a_real_search_rate_limit_counts_on_the_fake_clock(hubspot: FakeHubSpot, hs: Api) -> None:
    hubspot.search_requests_per_second = 2
    statuses = [hs.post(f"{CONTACTS}/search", {}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert hubspot.requests[-1].status == 429
    assert hs.get(CONTACTS).status_code == 200  # other endpoints are not the search limit's
    hubspot.clock.advance(1_000)
    assert hs.post(f"{CONTACTS}/search", {}).status_code == 200

    hubspot.requests_per_ten_seconds = 2
    first = hs.get(CONTACTS)
    assert first.headers["X-HubSpot-RateLimit-Max"] == "2"
    assert first.headers["X-HubSpot-RateLimit-Remaining"] == "1"
    hs.get(CONTACTS)
    limited = hs.get(CONTACTS)
    assert limited.status_code == 429
    assert limited.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert int(limited.headers["Retry-After"]) >= 1


def test_helpers_refuse_what_the_api_refuses(hubspot: FakeHubSpot) -> None:
    hubspot.add(email="dup@x.io")
    with pytest.raises(ValueError, match="Existing ID"):
        hubspot.add(email="DUP@x.io")
    with pytest.raises(ValueError, match="PROPERTY_DOESNT_EXIST"):
        hubspot.add(shoe_size="9")
    with pytest.raises(KeyError):
        hubspot.modify("12345", firstname="x")


# ================================================================================================ Salesforce


def test_ids_are_18_characters_with_salesforces_checksum() -> None:
    # Known pair from Salesforce's documentation of the 15 -> 18 conversion.
    assert normalize_id("001A000001HLJ7q") == "001A000001HLJ7qIAH"
    assert normalize_id("001A000001HLJ7qIAH") == "001A000001HLJ7qIAH"
    assert normalize_id("001A000001HLJ7qIAX") is None
    assert normalize_id("not-an-id") is None
    assert salesforce_time(T0 + 7) == "2027-01-15T08:00:00.007+0000"


def test_soql_selects_fields_in_order_with_attributes(salesforce: FakeSalesforce, sf: Api) -> None:
    contact = salesforce.add(FirstName="Ann", LastName="Lee", Email="Ann@X.io")
    answer = soql(sf, "select id, name, EMAIL, systemmodstamp, IsDeleted, Phone from contact").json()
    assert answer["totalSize"] == 1
    assert answer["done"] is True
    assert "nextRecordsUrl" not in answer
    assert answer["records"] == [
        {
            "attributes": {"type": "Contact", "url": f"{SF}/sobjects/Contact/{contact}"},
            "Id": contact,
            "Name": "Ann Lee",
            "Email": "Ann@X.io",
            "SystemModstamp": "2027-01-15T08:00:00.000+0000",
            "IsDeleted": False,
            "Phone": None,
        }
    ]
    assert soql(sf, "SELECT Id FROM Contact").status_code == 200
    assert (
        sf.get("/services/data/v58.0/query", q="SELECT Id FROM Contact")
        .json()["records"][0]["attributes"]["url"]
        .startswith("/services/data/v58.0/")
    )


def test_query_pages_through_next_records_url_from_a_fixed_result(
    salesforce: FakeSalesforce, sf: Api
) -> None:
    ids = salesforce.add_many([{"LastName": f"L{n:03d}"} for n in range(450)])
    salesforce.batch_size = 100
    answer = soql(sf, "SELECT Id FROM Contact ORDER BY Id").json()
    seen, batches = [r["Id"] for r in answer["records"]], 1
    salesforce.modify(ids[-1], LastName="Changed")  # a query's result is fixed when it runs
    salesforce.delete(ids[-2])
    while not answer["done"]:
        assert answer["nextRecordsUrl"].startswith(f"{SF}/query/01g")
        answer = sf.get(answer["nextRecordsUrl"]).json()
        assert answer["totalSize"] == 450
        seen += [r["Id"] for r in answer["records"]]
        batches += 1
    assert seen == ids
    assert batches == 5
    assert salesforce.calls("query", "query_more") == 5

    salesforce.batch_size = 2000
    limited = soql(sf, "SELECT Id FROM Contact", **{"Sforce-Query-Options": "batchSize=200"}).json()
    assert len(limited["records"]) == 200
    assert limited["totalSize"] == 449


def test_old_query_cursors_close(salesforce: FakeSalesforce, sf: Api) -> None:
    salesforce.add_many([{"LastName": f"L{n}"} for n in range(3)])
    salesforce.batch_size = 1
    salesforce.max_open_cursors = 1
    first = soql(sf, "SELECT Id FROM Contact").json()["nextRecordsUrl"]
    second = soql(sf, "SELECT Id FROM Contact").json()["nextRecordsUrl"]
    assert sf.get(second).status_code == 200
    stale = sf.get(first)
    assert stale.status_code == 400
    assert stale.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_same_second_clusters_order_by_modstamp_then_id(salesforce: FakeSalesforce, sf: Api) -> None:
    salesforce.clock.freeze(T0 + 400)
    early = salesforce.add_many([{"LastName": f"E{n}"} for n in range(3)])
    salesforce.clock.freeze(T0 + 900)  # the same second: Salesforce keeps seconds
    late = salesforce.add(LastName="Late")
    salesforce.clock.freeze(T0 + 1_200)
    salesforce.modify(early[0], FirstName="Moved")
    found = rows(sf, "SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp ASC, Id ASC")
    assert [r["Id"] for r in found] == [early[1], early[2], late, early[0]]
    assert [r["SystemModstamp"] for r in found] == [salesforce_time(T0)] * 3 + [salesforce_time(T0 + 1_000)]
    at_or_after = rows(sf, "SELECT Id FROM Contact WHERE SystemModstamp >= 2027-01-15T08:00:00.000+0000")
    assert len(at_or_after) == 4
    strictly_after = rows(sf, "SELECT Id FROM Contact WHERE SystemModstamp > 2027-01-15T08:00:00Z")
    assert [r["Id"] for r in strictly_after] == [early[0]]
    # Keyset paging past a cluster: after (modstamp, id), as an engine resumes a crashed read.
    after_cluster = f"SystemModstamp = 2027-01-15T08:00:00Z AND Id > '{early[2][:15]}'"
    resume = rows(
        sf,
        "SELECT Id FROM Contact WHERE SystemModstamp > 2027-01-15T08:00:00Z OR "  # noqa: S608 (SOQL literals)
        f"({after_cluster}) ORDER BY SystemModstamp, Id",
    )
    assert [r["Id"] for r in resume] == [late, early[0]]
    newest_first = rows(sf, "SELECT Id FROM Contact ORDER BY SystemModstamp DESC, Id DESC LIMIT 2")
    assert [r["Id"] for r in newest_first] == [early[0], late]


def test_soql_conditions_in_not_in_like_null_and_text_case(salesforce: FakeSalesforce, sf: Api) -> None:
    ann = salesforce.add(LastName="Lee", FirstName="Ann", Email="ann@x.io")
    bob = salesforce.add(LastName="Ng", Email="BOB@x.io")
    cy = salesforce.add(LastName="Cy")

    def ids(where: str) -> list[str]:
        # SOQL to a fake, built from the test's own literals (S608 is about injection).
        return [r["Id"] for r in rows(sf, f"SELECT Id FROM Contact WHERE {where}")]  # noqa: S608

    assert ids("Email IN ('ANN@x.io', 'bob@X.IO')") == [ann, bob]
    assert ids("Email NOT IN ('ann@x.io')") == [bob, cy]
    assert ids("Email = null") == [cy]
    assert ids("Email != null AND NOT LastName = 'lee'") == [bob]
    assert ids("LastName LIKE 'N%'") == [bob]
    assert ids("FirstName = 'Ann' OR (LastName = 'Cy' AND Email = null)") == [ann, cy]
    assert ids(f"Id IN ('{ann[:15]}', '{cy}')") == [ann, cy]
    assert ids("IsDeleted = false AND CreatedDate <= 2027-01-15T08:00:00Z") == [ann, bob, cy]
    assert ids("LastName = 'O\\'Brien'") == []
    assert [r["Id"] for r in rows(sf, "SELECT Id FROM Contact ORDER BY FirstName NULLS LAST, LastName")] == [
        ann,
        cy,
        bob,
    ]
    assert [r["Id"] for r in rows(sf, "SELECT Id FROM Contact ORDER BY FirstName, LastName")] == [
        cy,
        bob,
        ann,
    ]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (
            "SELECT Id FROM Contact WHERE SystemModstamp >= '2027-01-15T08:00:00Z'",
            "INVALID_QUERY_FILTER_OPERATOR",
        ),
        ("SELECT Id FROM Contact WHERE SystemModstamp >= 2027-01-15", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Contact WHERE Id = 'short'", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Shoe_Size__c FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Account", "INVALID_TYPE"),
        ("SELECT COUNT() FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Id, Account.Name FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE CreatedDate = TODAY", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact ORDER BY Id OFFSET 5", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE Email > null", "INVALID_QUERY_FILTER_OPERATOR"),
        ("DELETE FROM Contact", "MALFORMED_QUERY"),
    ],
)
def test_soql_outside_the_subset_is_refused_like_salesforce(sf: Api, query: str, code: str) -> None:
    refused = soql(sf, query)
    assert refused.status_code == 400
    [error] = refused.json()
    assert error["errorCode"] == code
    assert error["message"]


def test_query_all_adds_deleted_and_merged_rows(salesforce: FakeSalesforce, sf: Api) -> None:
    master, loser, other = (salesforce.add(LastName=name) for name in ("Master", "Loser", "Other"))
    salesforce.clock.advance(3_000)
    salesforce.merge(master, loser)
    salesforce.delete(other)
    assert [r["Id"] for r in rows(sf, "SELECT Id FROM Contact")] == [master]
    everything = rows(sf, "SELECT Id, IsDeleted, MasterRecordId, SystemModstamp FROM Contact", all_rows=True)
    assert [(r["Id"], r["IsDeleted"], r["MasterRecordId"]) for r in everything] == [
        (master, False, None),
        (loser, True, master),
        (other, True, None),
    ]
    assert {r["SystemModstamp"] for r in everything} == {salesforce_time(T0 + 3_000)}
    deleted = rows(sf, "SELECT Id FROM Contact WHERE IsDeleted = true", all_rows=True)
    assert [r["Id"] for r in deleted] == [loser, other]
    assert sf.get(f"{SF}/sobjects/Contact/{loser}").status_code == 404
    salesforce.undelete(other)
    assert [r["Id"] for r in rows(sf, "SELECT Id FROM Contact")] == [master, other]


def test_collections_create_with_partial_success_and_all_or_none(salesforce: FakeSalesforce, sf: Api) -> None:
    records = [
        sf_record(LastName="Good", email="good@x.io"),
        sf_record(FirstName="No last name"),
        sf_record(LastName="Bad email", Email="nope"),
        sf_record(LastName="Read only", SystemModstamp="2027-01-01T00:00:00.000+0000"),
        sf_record(LastName="x" * 81),
    ]
    answer = sf.post(f"{SF}/composite/sobjects", {"allOrNone": False, "records": records})
    assert answer.status_code == 200
    results = answer.json()
    assert results[0]["success"] is True
    assert normalize_id(results[0]["id"]) == results[0]["id"]
    assert [r["errors"][0]["statusCode"] for r in results[1:]] == [
        "REQUIRED_FIELD_MISSING",
        "INVALID_EMAIL_ADDRESS",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "STRING_TOO_LONG",
    ]
    assert results[1]["errors"][0]["fields"] == ["LastName"]
    assert all("id" not in r for r in results[1:])
    assert salesforce.get(results[0]["id"])["Email"] == "good@x.io"  # type: ignore[index]
    assert len(salesforce.records()) == 1

    rolled = sf.post(f"{SF}/composite/sobjects", {"allOrNone": True, "records": records[:2]}).json()
    assert [r["success"] for r in rolled] == [False, False]
    assert rolled[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert rolled[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert len(salesforce.records()) == 1

    whole = {
        "EXCEEDED_ID_LIMIT": [sf_record(LastName="x")] * 201,
        "INVALID_FIELD": [sf_record(LastName="x", Shoe_Size__c="9")],
        "INVALID_TYPE": [{"attributes": {"type": "Account"}, "Name": "Acme"}],
    }
    for code, batch in whole.items():
        refused = sf.post(f"{SF}/composite/sobjects", {"records": batch})
        assert refused.status_code == 400
        assert refused.json()[0]["errorCode"] == code
    assert len(salesforce.records()) == 1
    assert salesforce.writes() == 2  # the two 200s; a rolled-back answer is still a 200 write call


def test_collections_update_saves_moving_the_modstamp_even_without_change(
    salesforce: FakeSalesforce, sf: Api
) -> None:
    a, b, gone = (salesforce.add(LastName=name) for name in ("A", "B", "Gone"))
    salesforce.delete(gone)
    salesforce.add_validation_rule(lambda record: record.get("Title") == "CEO", "No CEOs", fields=["Title"])
    salesforce.clock.advance(2_000)
    answer = sf.patch(
        f"{SF}/composite/sobjects",
        {
            "records": [
                sf_record(id=a, FirstName="Ann"),
                sf_record(Id=b[:15], LastName="B"),
                sf_record(LastName="No id"),
                sf_record(id=gone, LastName="Back"),
                sf_record(id="003000000000000", LastName="Nobody"),
                sf_record(id=a, Title="CEO"),
                sf_record(id=b, LastName=""),
            ]
        },
    ).json()
    assert [(r.get("id"), r["success"]) for r in answer[:2]] == [(a, True), (b, True)]
    assert [r["errors"][0]["statusCode"] for r in answer[2:]] == [
        "MISSING_ARGUMENT",
        "ENTITY_IS_DELETED",
        "INVALID_CROSS_REFERENCE_KEY",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "REQUIRED_FIELD_MISSING",
    ]
    assert answer[5]["errors"][0] == {
        "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "message": "No CEOs",
        "fields": ["Title"],
    }
    unchanged = salesforce.get(b)
    assert unchanged is not None
    assert unchanged["LastName"] == "B"
    assert unchanged["SystemModstamp"] == unchanged["LastModifiedDate"] == salesforce_time(T0 + 2_000)
    assert salesforce.get(a)["FirstName"] == "Ann"  # type: ignore[index]


def test_collections_delete_is_a_soft_delete(salesforce: FakeSalesforce, sf: Api) -> None:
    a, b = salesforce.add(LastName="A"), salesforce.add(LastName="B")
    answer = sf.delete(
        f"{SF}/composite/sobjects", ids=f"{a},{b[:15]},003000000000000", allOrNone="false"
    ).json()
    assert [(r["id"], r["success"]) for r in answer] == [(a, True), (b, True), ("003000000000000AAA", False)]
    assert rows(sf, "SELECT Id FROM Contact") == []
    assert len(rows(sf, "SELECT Id FROM Contact", all_rows=True)) == 2
    again = sf.delete(f"{SF}/composite/sobjects", ids=a).json()
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_describe_lists_the_fields_with_types_and_updateability(salesforce: FakeSalesforce, sf: Api) -> None:
    salesforce.add_field("Nps__c", type="double", label="NPS")
    described = sf.get(f"{SF}/sobjects/Contact/describe").json()
    assert described["name"] == "Contact"
    assert described["keyPrefix"] == "003"
    fields = {f["name"]: f for f in described["fields"]}
    for name in (
        "Id",
        "FirstName",
        "LastName",
        "Email",
        "Phone",
        "AccountId",
        "SystemModstamp",
        "IsDeleted",
        "MasterRecordId",
    ):
        assert name in fields
    assert (fields["Email"]["type"], fields["Email"]["updateable"]) == ("email", True)
    assert (fields["SystemModstamp"]["type"], fields["SystemModstamp"]["updateable"]) == ("datetime", False)
    assert fields["LastName"]["nillable"] is False
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    assert (fields["Nps__c"]["label"], fields["Nps__c"]["custom"]) == ("NPS", True)
    contact = salesforce.add(LastName="Lee", Nps__c=9.5)
    assert rows(sf, "SELECT Id, Nps__c FROM Contact WHERE Nps__c > 9") == [
        {
            "attributes": {"type": "Contact", "url": f"{SF}/sobjects/Contact/{contact}"},
            "Id": contact,
            "Nps__c": 9.5,
        }
    ]
    assert soql(sf, "SELECT Id FROM Contact WHERE Nps__c > '9'").status_code == 400
    wrong_type = sf.post(
        f"{SF}/composite/sobjects", {"records": [sf_record(LastName="x", Nps__c="high")]}
    ).json()
    assert wrong_type[0]["errors"][0]["statusCode"] == "INVALID_TYPE_ON_FIELD_IN_RECORD"


def test_every_answer_carries_api_usage_and_the_daily_limit_refuses(
    salesforce: FakeSalesforce, sf: Api
) -> None:
    salesforce.daily_limit = 3
    first = soql(sf, "SELECT Id FROM Contact")
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/3"
    assert sf.get(f"{SF}/limits").json()["DailyApiRequests"] == {"Max": 3, "Remaining": 1}
    soql(sf, "SELECT Id FROM Contact")
    refused = soql(sf, "SELECT Id FROM Contact")
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=3/3"
    assert salesforce.api_usage == 3

    salesforce.daily_limit = 100
    salesforce.rate_limit_next(1)
    injected = soql(sf, "SELECT Id FROM Contact")
    assert (injected.status_code, injected.json()[0]["errorCode"]) == (403, "REQUEST_LIMIT_EXCEEDED")
    assert "Retry-After" not in injected.headers
    salesforce.fail_next(1, status=500, endpoint="collections_create")
    failed = sf.post(f"{SF}/composite/sobjects", {"records": [sf_record(LastName="x")]})
    assert (failed.status_code, failed.json()[0]["errorCode"]) == (500, "UNKNOWN_EXCEPTION")
    assert salesforce.records() == []


def test_sobject_get_and_helpers(salesforce: FakeSalesforce, sf: Api) -> None:
    contact = salesforce.add({"LastName": "Lee"}, FirstName="Ann")
    chosen = sf.get(f"{SF}/sobjects/Contact/{contact}", fields="firstname,LastName").json()
    assert {k: v for k, v in chosen.items() if k != "attributes"} == {"FirstName": "Ann", "LastName": "Lee"}
    salesforce.clock.advance(5_000)
    salesforce.touch_system(contact)
    record = salesforce.get(contact)
    assert record is not None
    assert (record["LastModifiedDate"], record["SystemModstamp"]) == (
        salesforce_time(T0),
        salesforce_time(T0 + 5_000),
    )
    with pytest.raises(ValueError, match="REQUIRED_FIELD_MISSING"):
        salesforce.add(Email="no-last-name@x.io")
    with pytest.raises(ValueError, match="one or two"):
        salesforce.merge(contact)
    assert sf.get("/services/data").json()[-1]["url"].startswith("/services/data/v")
