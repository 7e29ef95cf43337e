"""The marketplace catalogue: it loads, covers every type and provider, and its schemas match the models.

`jsonschema` is not a dependency, so the schemas are checked here with a small validator for exactly the
keywords the catalogue uses; a keyword outside that list fails the structure test, so nothing is
silently skipped.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pydantic
import pytest

from shared import errors
from shared.callables import parse
from shared.marketplace import CATALOGUE_PATH, catalogue, list_items, load_catalogue
from shared.models.integrations import CONFIG_MODELS, IntegrationType
from shared.models.marketplace import MarketplaceItem, MarketplaceQuery
from shared.models.oauth import OAuthProvider

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
KEYWORDS = {
    "$schema",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "enum",
    "const",
    "default",
    "examples",
    "description",
    "writeOnly",
    "items",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "allOf",
    "if",
    "then",
}
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
}
ITEMS = catalogue()


def item_id(item: MarketplaceItem) -> str:
    return item.id


def subschemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The schema and every schema nested in it."""
    yield schema
    for name in ("items", "propertyNames", "additionalProperties", "if", "then"):
        if isinstance(schema.get(name), dict):
            yield from subschemas(schema[name])
    for child in schema.get("properties", {}).values():
        yield from subschemas(child)
    for child in schema.get("allOf", []):
        yield from subschemas(child)


def problems(instance: Any, schema: dict[str, Any], at: str = "config") -> list[str]:
    """Where `instance` breaks `schema`, for the keywords in KEYWORDS (annotations are ignored)."""
    found: list[str] = []
    if "const" in schema and instance != schema["const"]:
        found.append(f"{at}: not {schema['const']!r}")
    if "enum" in schema and instance not in schema["enum"]:
        found.append(f"{at}: not one of {schema['enum']}")
    if "type" in schema:
        kind = JSON_TYPES[schema["type"]]
        if not isinstance(instance, kind) or (schema["type"] == "integer" and isinstance(instance, bool)):
            return [*found, f"{at}: not of type {schema['type']}"]
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0) or len(instance) > schema.get("maxLength", 10**9):
            found.append(f"{at}: length out of bounds")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            found.append(f"{at}: does not match {schema['pattern']}")
        if schema.get("format") == "uri" and not (urlsplit(instance).scheme and urlsplit(instance).netloc):
            found.append(f"{at}: not an absolute URI")
    if (
        isinstance(instance, int)
        and not isinstance(instance, bool)
        and not schema.get("minimum", -(10**18)) <= instance <= schema.get("maximum", 10**18)
    ):
        found.append(f"{at}: out of range")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0) or len(instance) > schema.get("maxItems", 10**9):
            found.append(f"{at}: item count out of bounds")
        for index, value in enumerate(instance):
            found += problems(value, schema.get("items", {}), f"{at}[{index}]")
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in instance:
                found.append(f"{at}.{name}: required")
        if len(instance) > schema.get("maxProperties", 10**9):
            found.append(f"{at}: too many properties")
        for name, value in instance.items():
            found += problems(name, schema.get("propertyNames", {}), f"{at} key {name!r}")
            if name in properties:
                found += problems(value, properties[name], f"{at}.{name}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{at}.{name}: not allowed")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += problems(value, schema["additionalProperties"], f"{at}.{name}")
    for part in schema.get("allOf", []):
        found += problems(instance, part, at)
    if "if" in schema and not problems(instance, schema["if"], at):
        found += problems(instance, schema.get("then", {}), at)
    return found


def example(schema: dict[str, Any], suggested: bool = False) -> Any:
    """A value for `schema`: its example, default or constant, an object of its required fields, a filler.

    `suggested` also fills every optional field that has an example or a default, as a form would.
    """
    for name in ("examples", "default", "const", "enum"):
        if name in schema:
            value = schema[name]
            return value[0] if name in ("examples", "enum") else value
    if schema.get("type") == "object":
        properties: dict[str, Any] = schema.get("properties", {})
        names = [
            name
            for name, child in properties.items()
            if name in schema.get("required", [])
            or (suggested and any(key in child for key in ("examples", "default", "const")))
        ]
        return {name: example(properties[name], suggested) for name in names}
    if schema.get("format") == "uri":
        return "https://example.com/x"
    if schema.get("type") == "string" and "pattern" not in schema:
        return "x" * max(1, schema.get("minLength", 0))
    raise AssertionError(f"no example for {schema}: give it `examples` or a `default`")


def nested_model(annotation: Any) -> type[pydantic.BaseModel] | None:
    """The model class a field holds (through `X | None`), or None for a plain value."""
    candidates = (
        typing.get_args(annotation)
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
        else (annotation,)
    )
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel):
            return candidate
    return None


def assert_schema_matches_model(schema: dict[str, Any], model: type[pydantic.BaseModel], at: str) -> None:
    by_alias = {field.alias or name: field for name, field in model.model_fields.items()}
    properties: dict[str, Any] = schema.get("properties", {})

    unknown = set(properties) - set(by_alias)
    assert not unknown, f"{at}: {sorted(unknown)} are not fields of {model.__name__}"
    model_required = {alias for alias, field in by_alias.items() if field.is_required()}
    assert model_required <= set(schema.get("required", [])), f"{at}: the model requires {model_required}"
    for name, child in properties.items():
        inner = nested_model(by_alias[name].annotation)
        if inner is not None:
            assert child.get("type") == "object", f"{at}.{name}"
            assert_schema_matches_model(child, inner, f"{at}.{name}")


# --- the catalogue --------------------------------------------------------------------------------


def test_the_catalogue_loads_every_entry_of_the_file() -> None:
    raw = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))

    assert isinstance(raw, list)
    assert len(ITEMS) == len(raw) >= 11
    assert all(isinstance(item, MarketplaceItem) for item in ITEMS)


def test_the_catalogue_is_read_once() -> None:
    assert catalogue() is catalogue()


def test_ids_are_unique() -> None:
    ids = [item.id for item in ITEMS]

    assert len(ids) == len(set(ids))


def test_every_integration_type_has_an_entry() -> None:
    assert {item.type for item in ITEMS} == set(IntegrationType)


def test_every_oauth_provider_has_an_oauth2_entry() -> None:
    oauth_entries = [item for item in ITEMS if item.auth_kind == "oauth2"]

    assert {item.oauth_provider for item in oauth_entries} == set(OAuthProvider)
    assert all(item.oauth_provider is None for item in ITEMS if item.auth_kind != "oauth2")


def test_crm_entries_are_rest_over_oauth2() -> None:
    crm = [item for item in ITEMS if item.category == "crm"]

    assert {item.id for item in crm} >= {"salesforce", "hubspot"}
    for item in crm:
        assert item.type == IntegrationType.REST
        assert item.auth_kind == "oauth2"


def test_the_generic_entries_are_there_by_name() -> None:
    names = {item.name: item.type for item in ITEMS}

    assert names["Zapier"] == IntegrationType.ZAPIER
    assert names["Slack (incoming webhook)"] == IntegrationType.SLACK
    assert names["REST API"] == IntegrationType.REST
    assert names["GraphQL API"] == IntegrationType.GRAPHQL
    assert names["Outgoing webhook"] == IntegrationType.WEBHOOK
    assert names["Incoming webhook"] == IntegrationType.WEBHOOK
    assert names["Slack (OAuth app)"] == IntegrationType.SLACK
    assert names["Custom OAuth 2.0 provider"] == IntegrationType.REST


# --- configuration schemas ------------------------------------------------------------------------


@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_config_schema_is_a_well_formed_draft_2020_12_object_schema(item: MarketplaceItem) -> None:
    schema = item.config_schema

    assert schema["$schema"] == DRAFT_2020_12
    assert schema["type"] == "object"
    assert schema["properties"]
    # The config models refuse unknown fields; the schema says so too.
    assert schema["additionalProperties"] is False
    # Conditions (`allOf` of `if` / `then`) name fields of the object schema they sit on.
    conditions = {
        id(part): sub
        for sub in subschemas(schema)
        for branch in sub.get("allOf", [])
        for part in (branch, branch.get("if", {}), branch.get("then", {}))
    }
    for sub in subschemas(schema):
        assert set(sub) <= KEYWORDS, f"unexpected keywords {set(sub) - KEYWORDS}"
        assert sub is schema or "$schema" not in sub
        if "type" in sub:
            assert sub["type"] in JSON_TYPES
        if "pattern" in sub:
            re.compile(sub["pattern"])
        if "properties" in sub:
            assert sub.get("type", "object") == "object"
        required = sub.get("required", [])
        assert len(required) == len(set(required))
        owner = conditions.get(id(sub), sub)
        assert set(required) <= set(owner.get("properties", {})), f"required {required} not all in properties"


@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_every_default_and_example_in_a_schema_satisfies_that_schema(item: MarketplaceItem) -> None:
    for sub in subschemas(item.config_schema):
        for value in [*sub.get("examples", []), *([sub["default"]] if "default" in sub else [])]:
            annotations_removed = {
                key: rule for key, rule in sub.items() if key not in ("examples", "default")
            }
            assert problems(value, annotations_removed) == []


@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_config_schema_names_only_fields_of_the_config_model(item: MarketplaceItem) -> None:
    assert_schema_matches_model(item.config_schema, CONFIG_MODELS[item.type], item.id)


@pytest.mark.parametrize("suggested", [False, True], ids=["minimal", "suggested"])
@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_a_config_built_from_the_schema_is_accepted_by_the_config_model(
    item: MarketplaceItem, suggested: bool
) -> None:
    config = example(item.config_schema, suggested)

    assert problems(config, item.config_schema) == []
    CONFIG_MODELS[item.type].model_validate(config)


@pytest.mark.parametrize("item", [item for item in ITEMS if item.auth_kind == "oauth2"], ids=item_id)
def test_oauth2_entries_need_a_connection(item: MarketplaceItem) -> None:
    config = example(item.config_schema)

    assert "oauthId" in config or "oauthId" in config.get("auth", {})


def test_the_schema_validator_here_does_refuse_bad_configs() -> None:
    schema = next(item for item in ITEMS if item.id == "rest-api").config_schema

    assert problems({"baseUrl": "https://api.example.com", "auth": {"type": "bearer"}}, schema) == [
        "config.auth.token: required"
    ]
    assert problems({"baseUrl": "http://api.example.com", "extra": 1}, schema) == [
        "config.baseUrl: does not match ^https://",
        "config.extra: not allowed",
    ]


# --- the loader -----------------------------------------------------------------------------------


def write_catalogue(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def good_entry(**changes: Any) -> dict[str, Any]:
    entry = ITEMS[0].model_dump(mode="json", by_alias=True)
    entry.update(changes)
    return entry


def test_load_sorts_by_name(tmp_path: Path) -> None:
    path = write_catalogue(tmp_path, [good_entry(id="b", name="beta"), good_entry(id="a", name="Alpha")])

    assert [item.id for item in load_catalogue(path)] == ["a", "b"]


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "fax"},
        {"authKind": "oauth2", "oauthProvider": None},
        {"authKind": "api_key", "oauthProvider": "google"},
        {"id": "Not A Slug"},
        {"docsUrl": "http://example.com"},
        {"unexpected": True},
    ],
    ids=[
        "unknown type",
        "oauth2 without provider",
        "provider without oauth2",
        "bad id",
        "http docs",
        "extra",
    ],
)
def test_a_bad_entry_fails_the_whole_catalogue(tmp_path: Path, entry: dict[str, Any]) -> None:
    path = write_catalogue(tmp_path, [good_entry(id="fine"), good_entry(**entry)])

    with pytest.raises(pydantic.ValidationError):
        load_catalogue(path)


def test_duplicate_ids_fail_the_catalogue(tmp_path: Path) -> None:
    path = write_catalogue(tmp_path, [good_entry(id="same"), good_entry(id="same", name="Other")])

    with pytest.raises(ValueError, match="duplicate id 'same'"):
        load_catalogue(path)


# --- listing --------------------------------------------------------------------------------------


def listed(**query: Any) -> list[MarketplaceItem]:
    return list_items(parse(MarketplaceQuery, query)).items


def test_no_filter_lists_everything_sorted_by_name() -> None:
    items = listed()

    assert [item.id for item in items] == [item.id for item in ITEMS]
    assert [item.name for item in items] == sorted((item.name for item in items), key=str.casefold)


@pytest.mark.parametrize("integration_type", list(IntegrationType))
def test_type_filter_is_an_exact_match(integration_type: IntegrationType) -> None:
    items = listed(type=integration_type.value)

    assert items
    assert {item.type for item in items} == {integration_type}
    assert len(items) == sum(item.type == integration_type for item in ITEMS)


def test_category_filter_is_an_exact_match() -> None:
    assert {item.id for item in listed(category="crm")} == {"salesforce", "hubspot"}
    assert listed(category="CRM") == []
    assert listed(category="cr") == []


def test_filters_combine() -> None:
    items = listed(category="messaging", type="slack")

    assert {item.id for item in items} == {"slack-webhook", "slack-oauth"}
    assert listed(category="crm", type="graphql") == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "fax"}, "type"),
        ({"type": 3}, "type"),
        ({"type": "SLACK"}, "type"),
        ({"category": "c" * 51}, "category"),
        ({"category": 5}, "category"),
        ({"category": ""}, "category"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_queries_are_invalid_argument_naming_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(errors.InvalidArgument) as raised:
        parse(MarketplaceQuery, data)

    assert raised.value.field == field
