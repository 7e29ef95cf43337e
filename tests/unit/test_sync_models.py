"""The sync models and the configuration check: frequency, mapping counts, directions and policies, field
names, and the rules a saved configuration obeys (no local field twice, none the engine keeps, no remote
field pushed by two mappings, transformers that parse and push back), each refusal naming its field.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared import errors
from shared.models.sync import (
    ConflictChoice,
    ConflictResolution,
    SyncConfigCreate,
    SyncConfigUpdate,
    SyncConflictResolve,
    SyncDirection,
    SyncFieldMapping,
)
from shared.sync import service
from tests.support.validation import refused_field


def mapping(
    local: str = "email", remote: str = "email", *, both: bool = True, **extra: Any
) -> dict[str, Any]:
    return {"localField": local, "remoteField": remote, "bidirectional": both, **extra}


GOOD_CREATE: dict[str, Any] = {
    "teamId": "team-a",
    "integrationId": "int1",
    "syncDirection": "bidirectional",
    "frequency": 300_000,
    "fieldMappings": [mapping(), mapping("firstName", "firstname")],
    "conflictResolution": "manual",
}


def good_create(**changes: Any) -> dict[str, Any]:
    """A good request with `changes`; a change to `...` leaves that field out."""
    merged = GOOD_CREATE | changes
    return {key: merged[key] for key in merged if merged[key] is not ...}


# --- SyncConfigCreate -----------------------------------------------------------------------------


def test_create_reads_a_complete_request_into_enums_and_defaults_to_enabled() -> None:
    created = SyncConfigCreate.model_validate(
        good_create(fieldMappings=[mapping(" address.city ", "city", both=False, transformer="trim")])
    )

    assert created.enabled is True
    assert created.sync_direction is SyncDirection.BIDIRECTIONAL
    assert created.conflict_resolution is ConflictResolution.MANUAL
    (only,) = created.field_mappings
    assert (only.local_field, only.remote_field, only.bidirectional, only.transformer) == (
        "address.city",
        "city",
        False,
        "trim",
    )


@pytest.mark.parametrize("frequency", [60_000, 60_001, 604_800_000])
def test_a_frequency_from_a_minute_to_a_week_is_taken(frequency: int) -> None:
    assert SyncConfigCreate.model_validate(good_create(frequency=frequency)).frequency == frequency


@pytest.mark.parametrize("frequency", [0, -60_000, 59_999, 604_800_001, 60_000.0, True, None])
def test_any_other_frequency_is_refused_naming_it(frequency: object) -> None:
    assert refused_field(SyncConfigCreate, good_create(frequency=frequency)) == "frequency"


@pytest.mark.parametrize("count", [1, 200])
def test_one_to_two_hundred_mappings_are_taken(count: int) -> None:
    mappings = [mapping(f"field{index}", f"remote{index}") for index in range(count)]

    created = SyncConfigCreate.model_validate(good_create(fieldMappings=mappings))

    assert len(created.field_mappings) == count


@pytest.mark.parametrize("mappings", [[], [mapping(f"f{index}", f"r{index}") for index in range(201)], None])
def test_no_mappings_or_more_than_two_hundred_are_refused_naming_field_mappings(mappings: object) -> None:
    assert refused_field(SyncConfigCreate, good_create(fieldMappings=mappings)) == "fieldMappings"


@pytest.mark.parametrize("direction", ["pull", "push", "bidirectional"])
def test_each_direction_is_taken_by_its_name(direction: str) -> None:
    assert SyncConfigCreate.model_validate(good_create(syncDirection=direction)).sync_direction == direction


@pytest.mark.parametrize("direction", ["PULL", "both", "", None, 1, ...])
def test_any_other_direction_is_refused_naming_it(direction: object) -> None:
    assert refused_field(SyncConfigCreate, good_create(syncDirection=direction)) == "syncDirection"


@pytest.mark.parametrize("policy", ["local", "remote", "manual"])
def test_each_conflict_policy_is_taken_by_its_name(policy: str) -> None:
    created = SyncConfigCreate.model_validate(good_create(conflictResolution=policy))

    assert created.conflict_resolution == policy


@pytest.mark.parametrize("policy", ["newest", "Manual", "", None, ...])
def test_any_other_conflict_policy_is_refused_naming_it(policy: object) -> None:
    assert refused_field(SyncConfigCreate, good_create(conflictResolution=policy)) == "conflictResolution"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"localField": "first name"}, "fieldMappings[1].localField"),
        ({"localField": "a/b"}, "fieldMappings[1].localField"),
        ({"localField": "prénom"}, "fieldMappings[1].localField"),
        ({"localField": "   "}, "fieldMappings[1].localField"),
        ({"localField": "x" * 201}, "fieldMappings[1].localField"),
        ({"remoteField": "Last-Name"}, "fieldMappings[1].remoteField"),
        ({"remoteField": ""}, "fieldMappings[1].remoteField"),
        ({"transformer": ""}, "fieldMappings[1].transformer"),
        ({"transformer": "  "}, "fieldMappings[1].transformer"),
        ({"transformer": "x" * 1001}, "fieldMappings[1].transformer"),
        ({"transformer": 1}, "fieldMappings[1].transformer"),
        ({"bidirectional": "true"}, "fieldMappings[1].bidirectional"),
        ({"bidirectional": 1}, "fieldMappings[1].bidirectional"),
        ({"transform": "trim"}, "fieldMappings[1].transform"),
        ({"local_field": "email"}, "fieldMappings[1].local_field"),
    ],
)
def test_a_bad_mapping_is_refused_naming_its_index_and_field(changes: dict[str, Any], field: str) -> None:
    mappings = [mapping(), {**mapping("firstName", "firstname"), **changes}]

    assert refused_field(SyncConfigCreate, good_create(fieldMappings=mappings)) == field


def test_a_transformer_of_the_maximum_length_passes_the_model_which_does_not_parse_it() -> None:
    text = "trim" + " " * 995 + "x"
    (only,) = SyncConfigCreate.model_validate(
        good_create(fieldMappings=[mapping(transformer=text)])
    ).field_mappings

    assert only.transformer == text


def test_the_model_leaves_duplicate_fields_to_the_configuration_check() -> None:
    created = SyncConfigCreate.model_validate(
        good_create(fieldMappings=[mapping("email", "email"), mapping("email", "email")])
    )

    assert len(created.field_mappings) == 2


# --- SyncConfigUpdate and the other inputs --------------------------------------------------------


@pytest.mark.parametrize("field", ["syncDirection", "frequency", "fieldMappings", "conflictResolution"])
def test_update_refuses_null_for_each_field_naming_it(field: str) -> None:
    data = {"teamId": "team-a", "configId": "cfg1", field: None}

    assert refused_field(SyncConfigUpdate, data) == field


def test_update_applies_the_same_bounds_as_create() -> None:
    base = {"teamId": "team-a", "configId": "cfg1"}

    assert refused_field(SyncConfigUpdate, {**base, "frequency": 604_800_001}) == "frequency"
    assert refused_field(SyncConfigUpdate, {**base, "fieldMappings": []}) == "fieldMappings"
    assert SyncConfigUpdate.model_validate({**base, "frequency": 60_000}).model_fields_set == {
        "team_id",
        "config_id",
        "frequency",
    }


def test_merge_values_are_keyed_by_field_names_and_at_most_two_hundred() -> None:
    base = {"teamId": "team-a", "conflictId": "c1", "resolution": "merge"}

    merged = SyncConflictResolve.model_validate({**base, "values": {"address.city": "Paris", "score": None}})

    assert merged.resolution is ConflictChoice.MERGE
    assert merged.values == {"address.city": "Paris", "score": None}
    assert (
        refused_field(SyncConflictResolve, {**base, "values": {"first name": "Ada"}}) == "values.first name"
    )
    assert (
        refused_field(SyncConflictResolve, {**base, "values": {f"f{i}": i for i in range(201)}}) == "values"
    )


# --- the configuration check (service._check_mappings: no Firestore, no CRM) ----------------------


def mappings(*items: dict[str, Any]) -> list[SyncFieldMapping]:
    return [SyncFieldMapping.model_validate(item) for item in items]


def check_refuses(items: list[dict[str, Any]], direction: SyncDirection) -> errors.InvalidArgument:
    with pytest.raises(errors.InvalidArgument) as raised:
        service._check_mappings(mappings(*items), direction)
    assert raised.value.message.startswith(f"{raised.value.field}: ")
    return raised.value


@pytest.mark.parametrize("local_field", ["id", "sync", "sync.cfg1.base", "createdAt", "updatedAt"])
def test_a_local_field_the_engine_keeps_is_refused_naming_it(local_field: str) -> None:
    refusal = check_refuses([mapping(), mapping(local_field, "x")], SyncDirection.PULL)

    assert refusal.field == "fieldMappings[1].localField"
    assert "keeps this field" in refusal.message


def test_fields_that_only_resemble_the_engines_are_taken() -> None:
    checked = service._check_mappings(
        mappings(mapping("syncStatus", "a"), mapping("ids", "b"), mapping("meta.sync", "c")),
        SyncDirection.PULL,
    )

    assert [item.local_field for item in checked] == ["syncStatus", "ids", "meta.sync"]


def test_a_local_field_mapped_twice_is_refused_at_its_second_mapping() -> None:
    refusal = check_refuses(
        [mapping("email", "email"), mapping("firstName", "firstname"), mapping("email", "hs_email")],
        SyncDirection.PULL,
    )

    assert refusal.field == "fieldMappings[2].localField"
    assert "mapped twice" in refusal.message


def test_one_remote_field_may_fill_several_local_fields_when_none_of_them_pushes() -> None:
    pulled = [mapping("firstName", "firstname"), mapping("nickname", "firstname")]
    one_pushes = [mapping("firstName", "firstname"), mapping("nickname", "firstname", both=False)]

    assert len(service._check_mappings(mappings(*pulled), SyncDirection.PULL)) == 2
    assert len(service._check_mappings(mappings(*one_pushes), SyncDirection.BIDIRECTIONAL)) == 2


@pytest.mark.parametrize("direction", [SyncDirection.PUSH, SyncDirection.BIDIRECTIONAL])
def test_a_remote_field_pushed_by_two_mappings_is_refused_at_the_second(direction: SyncDirection) -> None:
    # Two local values for one remote field: one of them would be overwritten at the CRM and then,
    # pulled back, overwrite the other locally.
    refusal = check_refuses(
        [mapping("firstName", "firstname"), mapping("email", "email"), mapping("nickname", "firstname")],
        direction,
    )

    assert refusal.field == "fieldMappings[2].remoteField"
    assert "pushed by two mappings" in refusal.message


def test_a_transformer_that_does_not_parse_is_refused_with_its_column_at_its_mapping() -> None:
    refusal = check_refuses(
        [mapping(), mapping("firstName", "firstname", transformer="trim | lowercse")], SyncDirection.PULL
    )

    assert refusal.field == "fieldMappings[1].transformer"
    assert "unknown stage" in refusal.message
    assert "column 8" in refusal.message


@pytest.mark.parametrize(
    ("direction", "bidirectional", "refused"),
    [
        (SyncDirection.PULL, True, False),
        (SyncDirection.BIDIRECTIONAL, False, False),
        (SyncDirection.BIDIRECTIONAL, True, True),
        (SyncDirection.PUSH, True, True),
        (SyncDirection.PUSH, False, True),
    ],
)
def test_a_one_way_transformer_is_refused_only_where_the_mapping_pushes(
    direction: SyncDirection, bidirectional: bool, refused: bool
) -> None:
    items = [mapping("firstName", "name", both=bidirectional, transformer='split(" ", 0)')]

    if refused:
        assert check_refuses(items, direction).field == "fieldMappings[0].transformer"
    else:
        assert service._check_mappings(mappings(*items), direction)[0].transformer == 'split(" ", 0)'


def test_a_transformer_is_kept_in_its_canonical_text_and_the_rest_of_the_mapping_as_given() -> None:
    checked = service._check_mappings(
        mappings(mapping("email", "email", transformer="trim|lowercase"), mapping("company", "company")),
        SyncDirection.BIDIRECTIONAL,
    )

    assert [item.model_dump(by_alias=False) for item in checked] == [
        {
            "local_field": "email",
            "remote_field": "email",
            "transformer": "trim | lowercase",
            "bidirectional": True,
        },
        {"local_field": "company", "remote_field": "company", "transformer": None, "bidirectional": True},
    ]
