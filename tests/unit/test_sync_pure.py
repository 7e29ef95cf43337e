"""The sync engine's pure parts: the direction rules, derived contact ids, the run's tally and signposts,
the outbox's echo rule and email keys, and the CRM connectors' parsing and request building (HubSpot's
search bodies, Salesforce's SOQL and its escaping), through a recording session. No servers, no Firestore.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import ids, outbound
from shared.connectors import hubspot, salesforce
from shared.connectors.crm import SAFE, CrmError, CrmSession
from shared.models.sync import SyncConfigDoc
from shared.settings import reset_settings
from shared.sync import engine, transformers
from shared.sync.outbox import email_key, is_echo, read_path
from shared.sync.remotes import normalized_email

NOW = datetime(2027, 3, 14, 12, 0, 0, tzinfo=UTC)


def config(direction: str, *mappings: dict[str, Any]) -> SyncConfigDoc:
    return SyncConfigDoc.model_validate(
        {
            "id": "cfg1",
            "teamId": "team-a",
            "integrationId": "int1",
            "enabled": True,
            "syncDirection": direction,
            "frequency": 300_000,
            "fieldMappings": list(mappings),
            "conflictResolution": "manual",
            "createdAt": NOW,
            "createdBy": "admin",
            "updatedAt": NOW,
        }
    )


def mapping(
    local: str = "email", remote: str = "email", *, both: bool = True, **extra: Any
) -> dict[str, Any]:
    return {"localField": local, "remoteField": remote, "bidirectional": both, **extra}


# --- the direction rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "bidirectional", "pulls", "pushes"),
    [
        ("pull", True, True, False),
        ("pull", False, True, False),
        ("push", True, False, True),
        ("push", False, False, True),
        ("bidirectional", True, True, True),
        ("bidirectional", False, True, False),
    ],
)
def test_a_mapping_flows_in_the_configurations_direction_and_bidirectional_false_only_pulls(
    direction: str, bidirectional: bool, pulls: bool, pushes: bool
) -> None:
    (found,) = engine.mappings_of(config(direction, mapping(both=bidirectional)))

    assert (found.pulls, found.pushes) == (pulls, pushes)


def test_mappings_keep_their_order_fields_and_each_its_own_direction() -> None:
    found = engine.mappings_of(
        config("bidirectional", mapping("email", "email"), mapping("lastName", "lastname", both=False))
    )

    assert [(item.local_field, item.remote_field, item.pushes) for item in found] == [
        ("email", "email", True),
        ("lastName", "lastname", False),
    ]


def test_a_transformer_is_parsed_into_its_pipeline_and_applied_both_ways() -> None:
    (found,) = engine.mappings_of(config("bidirectional", mapping(transformer="trim | lowercase")))

    assert found.pipeline == transformers.parse("trim | lowercase")
    assert found.pull("  Ada@Example.COM ") == "ada@example.com"
    assert found.push("ada@example.com") == "ada@example.com"


def test_a_one_way_transformer_pulls_and_refuses_to_push_with_a_value_error() -> None:
    (found,) = engine.mappings_of(config("pull", mapping("firstName", "name", transformer='split(" ", 0)')))

    assert found.pull("Ada Lovelace") == "Ada"
    # The engine counts a ValueError from push as a failed record, never a crash of the run.
    with pytest.raises(ValueError, match="pull-only"):
        found.push("Ada")


def test_without_a_transformer_values_pass_through_unchanged() -> None:
    (found,) = engine.mappings_of(config("bidirectional", mapping()))
    value = {"kept": ["as", "is"]}

    assert found.pipeline is None
    assert found.pull(value) is value
    assert found.push(value) is value


@pytest.mark.parametrize(
    ("local_field", "key"),
    [
        ("email", "email"),
        ("address.city", "address_2ecity"),
        ("first_name", "first_5fname"),
        ("a.b.c", "a_2eb_2ec"),
    ],
)
def test_a_mappings_base_key_holds_no_dot_and_reads_back(local_field: str, key: str) -> None:
    found = engine.Mapping(local_field, "remote", None, pulls=True, pushes=True)

    assert found.key == key
    assert "." not in found.key
    assert ids.unescape_segment(found.key) == local_field


# --- derived contact ids --------------------------------------------------------------------------


def test_a_derived_contact_id_is_the_same_for_every_redo() -> None:
    assert engine.local_contact_id("cfg1", "901") == engine.local_contact_id("cfg1", "901") == "crm-cfg1-901"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("cfg1", "a-b"), ("cfg1", "a_2db")),
        (("cfg1", "a/b"), ("cfg1", "a_2fb")),
        (("cfg1", "a/b"), ("cfg1", "a-b")),
        (("cfg1", "003A"), ("cfg1", "003a")),
        (("cfg1", "1"), ("cfg2", "1")),
        (("cfg1", "2-x"), ("cfg12", "x")),
    ],
)
def test_derived_contact_ids_of_different_pairs_differ(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    assert engine.local_contact_id(*first) != engine.local_contact_id(*second)


# Configuration ids come from Firestore's auto ids (`store.new_config_id`): 20 letters and digits, never a
# `-`, so the `-` after the configuration id cannot move. Remote ids are anything a CRM sends.
config_ids = st.text(string.ascii_letters + string.digits, min_size=1, max_size=20)
remote_ids = st.text(
    st.one_of(st.sampled_from("-_/.%@ aA0"), st.characters(codec="utf-8", exclude_categories=("Cs",))),
    min_size=1,
    max_size=12,
)


@settings(max_examples=500, deadline=None)
@given(st.tuples(config_ids, remote_ids), st.tuples(config_ids, remote_ids))
def test_derived_contact_ids_are_injective_and_usable_document_ids(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    first_id, second_id = engine.local_contact_id(*first), engine.local_contact_id(*second)

    assert (first_id == second_id) == (first == second)
    assert "/" not in first_id
    assert set(first_id) <= set(string.ascii_letters + string.digits + "-_")


# --- the run's bookkeeping ------------------------------------------------------------------------


def test_nest_builds_the_maps_of_a_dotted_path_and_keeps_what_is_there() -> None:
    body: dict[str, Any] = {"address": {"street": "1 Main St"}}

    engine._nest(body, "address.city", "Paris")
    engine._nest(body, "a.b.c", 1)
    engine._nest(body, "email", "ada@example.com")

    assert body == {
        "address": {"street": "1 Main St", "city": "Paris"},
        "a": {"b": {"c": 1}},
        "email": "ada@example.com",
    }


def test_a_tally_counts_every_failure_but_keeps_only_the_first_twenty_reasons_cut_to_200() -> None:
    tally = engine.Tally()

    for index in range(25):
        tally.fail(f"reason {index} " + "x" * 300)

    assert tally.failed == 25
    assert len(tally.failures) == engine.MAX_FAILURES_KEPT == 20
    assert tally.failures[0].startswith("reason 0 ")
    assert tally.failures[-1].startswith("reason 19 ")
    assert {len(reason) for reason in tally.failures} == {200}


def test_a_tallys_counts_are_every_counter_by_name_and_no_reasons() -> None:
    tally = engine.Tally(pulled=1, pushed=2, created=3, updated=4, unchanged=5, conflicts=6)
    tally.fail("one")

    assert tally.as_counts() == {
        "pulled": 1,
        "pushed": 2,
        "created": 3,
        "updated": 4,
        "unchanged": 5,
        "conflicts": 6,
        "failed": 1,
    }


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    reset_settings()
    yield
    reset_settings()


def test_the_signposts_lag_the_start_by_the_configured_seconds(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("SYNC_REMOTE_LAG_SECONDS", "120")
    monkeypatch.setenv("SYNC_LOCAL_LAG_SECONDS", "2.5")

    assert engine.signposts(NOW) == (NOW - timedelta(seconds=120), NOW - timedelta(seconds=2.5))


def test_the_signposts_default_to_an_hour_remotely_and_ten_seconds_locally(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.delenv("SYNC_REMOTE_LAG_SECONDS", raising=False)
    monkeypatch.delenv("SYNC_LOCAL_LAG_SECONDS", raising=False)

    assert engine.signposts(NOW) == (NOW - timedelta(hours=1), NOW - timedelta(seconds=10))


def test_a_negative_lag_is_taken_as_none_so_no_signpost_lies_in_the_future(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("SYNC_REMOTE_LAG_SECONDS", "-60")
    monkeypatch.setenv("SYNC_LOCAL_LAG_SECONDS", "-1")

    assert engine.signposts(NOW) == (NOW, NOW)


# --- the outbox -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("email", "ada@example.com"),
        ("address.city", "Paris"),
        ("address.zip", None),
        ("missing.deeper", None),
        ("email.domain", None),
        ("tags", ["a", "b"]),
        ("address", {"city": "Paris"}),
    ],
)
def test_read_path_follows_maps_and_is_none_when_a_part_is_missing_or_not_a_map(
    path: str, expected: Any
) -> None:
    record = {"email": "ada@example.com", "address": {"city": "Paris"}, "tags": ["a", "b"]}

    assert read_path(record, path) == expected


def linked(base: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A contact linked to one configuration whose last synced values are `base` (keys escaped)."""
    return {**fields, "sync": {"cfg1": {"remoteId": "901", "base": base}}}


SYNCED = linked({"email": "ada@example.com", "firstName": "Ada"}, email="ada@example.com", firstName="Ada")


def test_a_new_contact_is_never_an_echo() -> None:
    assert not is_echo(None, SYNCED)


def test_a_contact_without_links_is_never_an_echo() -> None:
    plain = {"email": "ada@example.com"}

    assert not is_echo(plain, plain)
    assert not is_echo(plain, {**plain, "sync": {}})
    assert not is_echo(plain, {**plain, "sync": {"cfg1": "not a map"}})


def test_a_write_repeating_every_synced_value_is_an_echo() -> None:
    before = linked({"email": "ada@example.com", "firstName": "Ada"}, email="ada@example.com", firstName="A")

    assert is_echo(before, SYNCED)


def test_a_write_where_one_synced_value_differs_is_not_an_echo() -> None:
    assert not is_echo(SYNCED, {**SYNCED, "firstName": "Augusta"})


def test_every_link_must_agree_for_an_echo() -> None:
    after = {
        "email": "ada@example.com",
        "sync": {
            "cfg1": {"remoteId": "901", "base": {"email": "ada@example.com"}},
            "cfg2": {"remoteId": "003A", "base": {"email": "old@example.com"}},
        },
    }

    assert not is_echo(after, after)


def test_dotted_local_fields_are_compared_through_their_escaped_keys() -> None:
    base = {"address_2ecity": "Paris", "first_5fname": "Ada"}
    after = linked(base, address={"city": "Paris"}, first_name="Ada")

    assert is_echo(after, after)
    assert not is_echo(after, {**after, "address": {"city": "Lyon"}})
    assert not is_echo(after, {**after, "first_name": "Augusta"})


def test_a_change_to_a_field_the_link_has_no_value_for_is_not_an_echo() -> None:
    # A mapping added to the configuration later (or a pull that failed for that field) leaves the
    # link without a base for it: the local edit must reach the outbox, or it is never pushed.
    before = {**SYNCED, "company": "Acme"}

    assert not is_echo(before, {**before, "company": "Umbrella"})
    assert not is_echo(before, {**before, "address": {"city": "Paris"}})


def test_the_engines_own_write_of_synced_values_and_its_bookkeeping_is_an_echo() -> None:
    before = linked({"email": "ada@example.com"}, email="ada@example.com", createdAt=NOW, updatedAt=NOW)
    after = linked(
        {"email": "ada@example.com", "address_2ecity": "Paris"},
        email="ada@example.com",
        address={"city": "Paris"},
        createdAt=NOW,
        updatedAt=NOW + timedelta(seconds=1),
    )

    assert is_echo(before, after)


def test_the_email_key_is_one_for_emails_equal_once_normalized() -> None:
    keys = {
        email_key(email)
        for email in (
            normalized_email(text) for text in ("Ada@Example.com", "  ada@example.COM\n", "ada@example.com")
        )
        if email is not None
    }

    assert len(keys) == 1
    assert email_key("ada@example.com") != email_key("bob@example.com")
    # Callers normalise first: the key itself tells any two texts apart.
    assert email_key("Ada@Example.com") != email_key("ada@example.com")


def test_the_email_key_is_a_fixed_length_hex_digest_that_does_not_show_the_email() -> None:
    key = email_key("ada@example.com")

    assert len(key) == 40
    assert set(key) <= set(string.hexdigits.lower())
    assert "ada" not in key


# --- identity by email ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada@Example.COM \n", "ada@example.com"),
        ("\tADA@EXAMPLE.COM", "ada@example.com"),
        ("", None),
        ("   ", None),
        ("not an email", None),
        (None, None),
        (42, None),
        (["ada@example.com"], None),
        ({"email": "ada@example.com"}, None),
        ("a@" + "b" * 318, "a@" + "b" * 318),
        ("a@" + "b" * 319, None),
    ],
)
def test_a_normalized_email_is_trimmed_and_lowercased_and_none_when_not_an_email(
    value: object, expected: str | None
) -> None:
    assert normalized_email(value) == expected


# --- connectors: a session that records requests instead of sending them --------------------------


class RecordingSession(CrmSession):
    """A CrmSession whose calls are recorded and answered from a list: no HTTP, no outbound client."""

    def __init__(self, *answers: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__("https://crm.example.com", lambda: "token", outbound.AuditTarget("team-a", "int1"))
        self.answers = list(answers)
        self.requests: list[tuple[str, str, str, Any]] = []
        self.retried: list[bool] = []
        self.last_headers = dict(headers or {})

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        retry: bool = SAFE,
        allowed: tuple[int, ...] = (),
    ) -> Any:
        self.requests.append((kind, method, path, json))
        self.retried.append(retry)
        return self.answers.pop(0)

    def soql(self, index: int = 0) -> str:
        return unquote(self.requests[index][2].split("?q=", 1)[1])


# --- HubSpot --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-29T18:00:00.123Z", datetime(2026, 11, 29, 18, 0, 0, 123_000, tzinfo=UTC)),
        ("2026-11-29T20:00:00+02:00", datetime(2026, 11, 29, 18, 0, 0, tzinfo=UTC)),
        ("1795975200123", datetime(2026, 11, 29, 18, 0, 0, 123_000, tzinfo=UTC)),
        ("", datetime(1970, 1, 1, tzinfo=UTC)),
        (None, datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_hubspot_times_are_iso_text_or_epoch_milliseconds_read_as_utc(value: Any, expected: datetime) -> None:
    parsed = hubspot.parse_time(value)

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@settings(max_examples=1000, deadline=None)
@given(st.integers(min_value=0, max_value=4_102_444_800_000))
def test_hubspot_milliseconds_read_back_exactly(epoch_ms: int) -> None:
    # Cursors go milliseconds -> datetime -> milliseconds; a millisecond lost on the way makes a
    # cluster's `EQ` search read the millisecond before it.
    assert hubspot.milliseconds(hubspot.parse_time(str(epoch_ms))) == epoch_ms
    assert hubspot.milliseconds(datetime.fromtimestamp(epoch_ms / 1000, UTC)) == epoch_ms


def test_hubspot_milliseconds_round_down_within_the_millisecond_and_read_any_offset() -> None:
    moment = datetime(2026, 11, 29, 18, 0, 0, 123_999, tzinfo=UTC)

    assert hubspot.milliseconds(moment) == 1_795_975_200_123
    assert hubspot.milliseconds(moment.astimezone(timezone(timedelta(hours=-5)))) == 1_795_975_200_123
    assert hubspot.milliseconds(datetime(1970, 1, 1, tzinfo=UTC)) == 0


def test_a_hubspot_contact_is_read_with_its_time_archive_and_merged_ids() -> None:
    page = hubspot._page(
        {
            "results": [
                {
                    "id": 901,
                    "properties": {
                        "email": "ada@example.com",
                        "lastmodifieddate": "2026-11-29T18:00:00.123Z",
                        "hs_merged_object_ids": "17;;42",
                    },
                    "archived": True,
                    "archivedAt": "2026-11-30T00:00:00Z",
                },
                {"id": "902", "properties": None, "updatedAt": "2026-11-29T19:00:00Z"},
            ],
            "paging": {"next": {"after": 903}},
        }
    )

    first, second = page.contacts
    assert page.after == "903"
    assert (first.id, first.archived, first.merged_ids) == ("901", True, ("17", "42"))
    assert first.modified_at == datetime(2026, 11, 29, 18, 0, 0, 123_000, tzinfo=UTC)
    assert first.archived_at == datetime(2026, 11, 30, tzinfo=UTC)
    assert (second.id, second.properties, second.archived, second.archived_at) == ("902", {}, False, None)
    assert second.modified_at == datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
    assert second.merged_ids == ()


def test_the_last_hubspot_page_has_no_after_and_an_unexpected_shape_is_a_crm_error() -> None:
    assert hubspot._page({"results": []}) == hubspot.Page([], None)
    with pytest.raises(CrmError):
        hubspot._page([{"id": "1"}])


def test_a_hubspot_search_asks_from_a_millisecond_oldest_first_with_the_bookkeeping_properties() -> None:
    session = RecordingSession({"results": []}, {"results": []})
    since = datetime(2026, 11, 29, 18, 0, 0, 123_000, tzinfo=UTC)

    hubspot.search_modified(session, ["firstname", "email"], since, None)
    hubspot.search_modified(session, ["firstname"], since, "200")

    (kind, method, path, first), (_, _, _, second) = session.requests
    assert (kind, method, path) == ("search", "POST", "/crm/v3/objects/contacts/search")
    assert first == {
        "filterGroups": [
            {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1795975200123"}]}
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["email", "firstname", "hs_merged_object_ids", "hs_object_id", "lastmodifieddate"],
        "limit": hubspot.SEARCH_PAGE,
    }
    assert "after" not in first
    assert second["after"] == "200"


def test_a_hubspot_cluster_search_reads_one_millisecond_by_id_after_the_last_id_read() -> None:
    session = RecordingSession({"results": []}, {"results": []})
    at = datetime(2026, 11, 29, 18, 0, 0, 123_000, tzinfo=UTC)

    hubspot.search_modified(session, [], at, None, at_exactly=at)
    hubspot.search_modified(session, [], at, None, at_exactly=at, id_above="9050")

    first, second = (body for _, _, _, body in session.requests)
    at_filter = {"propertyName": "lastmodifieddate", "operator": "EQ", "value": "1795975200123"}
    assert first["filterGroups"] == [{"filters": [at_filter]}]
    assert second["filterGroups"] == [
        {"filters": [at_filter, {"propertyName": "hs_object_id", "operator": "GT", "value": "9050"}]}
    ]
    assert first["sorts"] == second["sorts"] == [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]


def test_a_hubspot_list_page_asks_for_archived_or_live_contacts_after_a_cursor() -> None:
    session = RecordingSession({"results": []}, {"results": []})

    hubspot.list_page(session, ["company"], None)
    hubspot.list_page(session, [], "77", archived=True)

    (_, method, live, _), (_, _, archived, _) = session.requests
    assert method == "GET"
    assert live == (
        "/crm/v3/objects/contacts?limit=100&archived=false"
        "&properties=company,email,hs_merged_object_ids,hs_object_id,lastmodifieddate"
    )
    assert archived.startswith("/crm/v3/objects/contacts?limit=100&archived=true&")
    assert archived.endswith("&after=77")


def test_a_hubspot_batch_error_names_its_inputs_by_id_or_email_else_the_first() -> None:
    chunk = [{"id": "1"}, {"id": "ada@example.com"}, {"id": "3"}]

    assert hubspot._failed_indexes({"context": {"ids": ["3", "1"]}}, chunk) == [0, 2]
    assert hubspot._failed_indexes({"context": {"emails": ["ada@example.com"]}}, chunk) == [1]
    assert hubspot._failed_indexes({"message": "no context"}, chunk) == [0]


def test_hubspot_batch_writes_go_by_hundreds_and_failures_keep_their_index_in_the_request() -> None:
    ok = {"results": [{"id": "1", "properties": {}}]}
    refused = {"results": [], "errors": [{"category": "VALIDATION_ERROR", "context": {"ids": ["150"]}}]}
    session = RecordingSession(ok, refused)
    updates = {str(index): {"company": "Acme"} for index in range(120)} | {"150": {"company": "x"}}

    result = hubspot.batch_update(session, updates)

    assert [len(body["inputs"]) for _, _, _, body in session.requests] == [100, 21]
    assert session.requests[0][3]["inputs"][0] == {"id": "0", "properties": {"company": "Acme"}}
    assert result.failed == [(120, "VALIDATION_ERROR")]


# --- Salesforce -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-29T18:00:00.000+0000", datetime(2026, 11, 29, 18, 0, tzinfo=UTC)),
        ("2026-11-29T13:00:00.250-0500", datetime(2026, 11, 29, 18, 0, 0, 250_000, tzinfo=UTC)),
        ("2026-11-29T18:00:00Z", datetime(2026, 11, 29, 18, 0, tzinfo=UTC)),
        ("2026-11-29T19:00:00+01:00", datetime(2026, 11, 29, 18, 0, tzinfo=UTC)),
        ("", datetime(1970, 1, 1, tzinfo=UTC)),
        (None, datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_salesforce_times_are_read_in_its_own_format_or_iso_as_utc(value: Any, expected: datetime) -> None:
    assert salesforce.parse_time(value) == expected


def test_a_soql_time_is_utc_to_the_whole_second_and_reads_back() -> None:
    moment = datetime(2026, 11, 29, 13, 0, 5, 999_999, tzinfo=timezone(timedelta(hours=-5)))

    assert salesforce.soql_time(moment) == "2026-11-29T18:00:05Z"
    assert salesforce.parse_time(salesforce.soql_time(moment)) == moment.replace(microsecond=0)


def read_soql_literal(text: str) -> tuple[str, int]:
    """Read a SOQL string literal as Salesforce does: its value and where it ends."""
    assert text[0] == "'"
    value = []
    index = 1
    while text[index] != "'":
        if text[index] == "\\":
            index += 1
        value.append(text[index])
        index += 1
    return "".join(value), index + 1


@pytest.mark.parametrize(
    "value",
    [
        "x' OR Id != '",
        "x\\' OR Id != \\'",
        "trailing backslash\\",
        "\\\\'",
        "') OR (Email != '",
        "o'brien@example.com",
    ],
)
def test_an_injection_attempt_stays_inside_its_soql_literal(value: str) -> None:
    literal = salesforce.soql_string(value)

    assert read_soql_literal(literal) == (value, len(literal))


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("'\\\"a nx%") | st.characters(exclude_categories=("Cs",))))
def test_any_value_is_one_soql_literal_that_reads_back_as_itself(value: str) -> None:
    literal = salesforce.soql_string(value)

    assert read_soql_literal(literal) == (value, len(literal))


def test_a_salesforce_changes_query_resumes_after_the_last_stamp_and_id_with_the_id_escaped() -> None:
    session = RecordingSession({"done": True, "records": []}, {"done": True, "records": []})
    since = datetime(2026, 11, 29, 18, 0, 0, 500_000, tzinfo=UTC)

    salesforce.modified_since(session, ["LastName"], since, None, limit=200)
    salesforce.modified_since(session, ["LastName"], since, "003' OR Name != '")

    assert session.requests[0][:3] == ("queryAll", "GET", session.requests[0][2])
    assert session.requests[0][2].startswith("/services/data/v60.0/queryAll?q=")
    assert session.soql(0) == (
        "SELECT Id, SystemModstamp, IsDeleted, MasterRecordId, Email, LastName FROM Contact "
        "WHERE SystemModstamp >= 2026-11-29T18:00:00Z ORDER BY SystemModstamp ASC, Id ASC LIMIT 200"
    )
    assert session.soql(1) == (
        "SELECT Id, SystemModstamp, IsDeleted, MasterRecordId, Email, LastName FROM Contact "
        "WHERE (SystemModstamp > 2026-11-29T18:00:00Z OR (SystemModstamp = 2026-11-29T18:00:00Z "
        "AND Id > '003\\' OR Name != \\'')) ORDER BY SystemModstamp ASC, Id ASC LIMIT 2000"
    )


def test_salesforce_lookups_by_id_and_email_quote_every_value() -> None:
    session = RecordingSession(
        {"done": True, "records": []},
        {
            "done": True,
            "records": [
                {"Id": "003B", "Email": " Ada@Example.com "},
                {"Id": "003C", "Email": "ADA@example.com"},
            ],
        },
    )

    salesforce.by_ids(session, ["Email"], ["003A", "x') OR (Id != '"])
    found = salesforce.by_emails(session, ["ada@example.com", "o'brien@example.com"])

    assert session.soql(0) == (
        "SELECT Id, SystemModstamp, IsDeleted, MasterRecordId, Email FROM Contact "
        "WHERE Id IN ('003A', 'x\\') OR (Id != \\'')"
    )
    assert session.soql(1) == (
        "SELECT Id, Email FROM Contact WHERE Email IN ('ada@example.com', 'o\\'brien@example.com') ORDER BY Id"
    )
    assert found == {"ada@example.com": ["003B", "003C"]}


@pytest.mark.parametrize(
    "name",
    ["Name, (SELECT Id FROM User)", "Email FROM Contact --", "1Name", "", "Last Name", "Email\n", "a.b"],
)
def test_a_salesforce_field_name_that_could_change_the_query_is_refused(name: str) -> None:
    session = RecordingSession()

    with pytest.raises(CrmError, match="is not a Salesforce field name"):
        salesforce.modified_since(session, [name], NOW, None)
    assert session.requests == []


def test_salesforce_field_names_and_custom_fields_are_taken_once_each() -> None:
    assert salesforce._fields(["LastName", "Email", "Score__c", "LastName"]) == (
        "Id, SystemModstamp, IsDeleted, MasterRecordId, Email, LastName, Score__c"
    )


def test_a_salesforce_record_is_read_with_its_stamp_deletion_and_merge() -> None:
    page = salesforce._page(
        {
            "done": False,
            "nextRecordsUrl": "/services/data/v60.0/query/01g-2000",
            "records": [
                {
                    "attributes": {"type": "Contact"},
                    "Id": "003A",
                    "Email": "ada@example.com",
                    "SystemModstamp": "2026-11-29T18:00:00.000+0000",
                    "IsDeleted": True,
                    "MasterRecordId": "003B",
                },
                {"Id": "003C", "SystemModstamp": "2026-11-29T18:00:01.000+0000", "MasterRecordId": None},
            ],
        }
    )

    merged, plain = page.contacts
    assert page.next_url == "/services/data/v60.0/query/01g-2000"
    assert (merged.id, merged.deleted, merged.merged_into) == ("003A", True, "003B")
    assert "attributes" not in merged.fields
    assert merged.modified_at == datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    assert (plain.deleted, plain.merged_into) == (False, None)
    assert salesforce._page({"done": True, "nextRecordsUrl": "/ignored", "records": []}).next_url is None
    with pytest.raises(CrmError):
        salesforce._page([])


@pytest.mark.parametrize(
    ("header", "stops"),
    [
        ("api-usage=80/100", True),
        ("api-usage=95000/100000;per-app-api-usage=1/2(appName=x)", True),
        ("api-usage=79/100", False),
        ("api-usage=5/0", False),
        ("", False),
        ("garbage", False),
    ],
)
def test_salesforce_calls_stop_at_80_percent_of_the_orgs_daily_allocation(header: str, stops: bool) -> None:
    session = RecordingSession(headers={"sforce-limit-info": header} if header else {})

    if stops:
        with pytest.raises(CrmError, match="daily API calls"):
            salesforce.check_usage(session)
    else:
        salesforce.check_usage(session)


def test_a_next_records_url_outside_the_api_is_refused_before_any_call() -> None:
    session = RecordingSession()

    with pytest.raises(CrmError, match="outside its API"):
        salesforce.next_page(session, "https://evil.example/services/data/v60.0/query/01g")
    assert session.requests == []


def test_salesforce_writes_are_collections_of_200_with_each_records_outcome_in_order() -> None:
    first = [{"success": True, "id": f"003{index}"} for index in range(199)] + [
        {"success": False, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING"}, {"statusCode": "X"}]}
    ]
    second = ["not a result"]
    session = RecordingSession(first, second)

    result = salesforce.create(session, [{"LastName": str(index)} for index in range(201)])

    assert [len(body["records"]) for _, _, _, body in session.requests] == [200, 1]
    assert session.requests[0][:3] == ("composite/post", "POST", "/services/data/v60.0/composite/sobjects")
    assert session.requests[0][3]["allOrNone"] is False
    assert session.requests[0][3]["records"][0] == {"attributes": {"type": "Contact"}, "LastName": "0"}
    assert result.ids[:2] == ["0030", "0031"]
    assert result.ids[199:] == [None, None]
    assert result.errors[198:] == [None, "REQUIRED_FIELD_MISSING, X", "error"]


def test_a_salesforce_create_is_never_retried_and_an_update_is() -> None:
    session = RecordingSession([{"success": True, "id": "003A"}], [{"success": True, "id": "003A"}])

    salesforce.create(session, [{"LastName": "Lovelace"}])
    updated = salesforce.update(session, {"003A": {"LastName": "King"}})

    assert session.retried == [False, True]
    assert session.requests[1][:2] == ("composite/patch", "PATCH")
    assert session.requests[1][3]["records"] == [
        {"attributes": {"type": "Contact"}, "Id": "003A", "LastName": "King"}
    ]
    assert updated.ids == ["003A"]
