"""The sync engine's transformer language: every stage both ways, every error, and round trips hunted for by
hypothesis (two-way mappings must never ping-pong)."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, date, datetime

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.sync import transformers
from shared.sync.transformers import Pipeline, TransformerError, TransformError, check_mapping, parse


def identical(left: object, right: object) -> bool:
    """Equality that also tells 1 from True and 1 from 1.0 (Python's == does not)."""
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(identical(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


def attempt(text: str) -> Pipeline | TransformerError:
    """The pipeline, or the TransformerError: anything else escapes and fails the test."""
    try:
        return parse(text)
    except TransformerError as error:
        return error


def refusal(text: str) -> TransformerError:
    with pytest.raises(TransformerError) as caught:
        parse(text)
    return caught.value


# --- Every stage, both directions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "remote", "local"),
    [
        ("trim", "  Ada  ", "Ada"),
        ("trim", 42, 42),
        ("trim", None, None),
        ("trim", ["  a "], ["  a "]),
        ("lowercase", "Ada@Example.COM", "ada@example.com"),
        ("lowercase", True, True),
        ("uppercase", "gb", "GB"),
        ("uppercase", 3.5, 3.5),
        ('default("n/a")', None, "n/a"),
        ('default("n/a")', "", "n/a"),
        ('default("n/a")', " ", " "),
        ('default("n/a")', 0, 0),
        ('default("n/a")', False, False),
        ('split(" ", 0)', "Ada Lovelace", "Ada"),
        ('split(" ", 1)', "Ada Lovelace", "Lovelace"),
        ('split(" ", -1)', "Ada King Lovelace", "Lovelace"),
        ('split(" ", 2)', "Ada Lovelace", None),
        ('split(" ", 0)', 7, 7),
        ('split(", ", 1)', "a, b, c", "b"),
        ('join(";")', ["red", "green"], "red;green"),
        ('join(";")', [], ""),
        ('join(";")', ["a", 1, 2.5], "a;1;2.5"),
        ('join(";")', "already;text", "already;text"),
        ('join(";")', None, None),
        ('map({"1": "open", "2": "closed"})', "1", "open"),
        ('map({"1": "open", "2": "closed"})', 2, "closed"),
        ('map({"1": "open", "2": "closed"})', "3", "3"),
        ('map({"1": "open", "2": "closed"})', True, True),
        ('map({"1": "open", "2": "closed"})', None, None),
        ('date("%d/%m/%Y")', "03/02/2024", "2024-02-03"),
        ('date("%d/%m/%Y")', " 3/2/2024 ", "2024-02-03"),
        ('date("%Y-%m-%d")', "2024-02-29", "2024-02-29"),
        ('date("%m-%d-%y")', "12-31-99", "1999-12-31"),
        ('date("%m-%d-%y")', "01-01-68", "2068-01-01"),
        ('date("%Y %j")', "2024 060", "2024-02-29"),
        ('date("%Y%m%d")', "20240203", "2024-02-03"),
        ('date("%d/%m/%Y")', "", None),
        ('date("%d/%m/%Y")', None, None),
        ('date("%d/%m/%Y")', datetime(2024, 2, 3, 23, 59, tzinfo=UTC), "2024-02-03"),
        ('date("%d/%m/%Y")', date(2024, 2, 3), "2024-02-03"),
        ('phone_e164("US")', "(415) 555-2671", "+14155552671"),
        ('phone_e164("US")', "415.555.2671", "+14155552671"),
        ('phone_e164("US")', "+44 20 7946 0958", "+442079460958"),
        ('phone_e164("GB")', "020 7946 0958", "+442079460958"),
        ('phone_e164("US")', 4155552671, "+14155552671"),
        ('phone_e164("US")', "+14155552671", "+14155552671"),
        ('phone_e164("US")', "  ", None),
        ('phone_e164("US")', None, None),
        ("", " As Is ", " As Is "),
        ('trim | lowercase | map({"ada@example.com": "Ada"})', "  ADA@example.com ", "Ada"),
        ('join(" ") | trim | default("none")', [], "none"),
        ('split("@", 1) | lowercase', "ada@Example.COM", "example.com"),
    ],
)
def test_pull_turns_the_remote_value_into_the_local_one(text: str, remote: object, local: object) -> None:
    assert identical(parse(text).pull(remote), local)


@pytest.mark.parametrize(
    ("text", "local", "remote"),
    [
        ("trim", "  Ada  ", "Ada"),
        ("trim", 42, 42),
        ("lowercase", "Ada", "Ada"),
        ("uppercase", "gb", "gb"),
        ('default("n/a")', "n/a", None),
        ('default("n/a")', "N/A", "N/A"),
        ('default("n/a")', "", ""),
        ('join(";")', "red;green", ["red", "green"]),
        ('join(";")', "red", ["red"]),
        ('join(";")', "", []),
        ('join(";")', None, None),
        ('map({"1": "open", "2": "closed"})', "closed", "2"),
        ('map({"1": "open", "2": "closed"})', "pending", "pending"),
        ('map({"1": "open", "2": "closed"})', 1, 1),
        ('date("%d/%m/%Y")', "2024-02-03", "03/02/2024"),
        ('date("%Y %j")', "2024-12-31", "2024 366"),
        ('date("%m-%d-%y")', "2001-02-03", "02-03-01"),
        ('date("%Y-%m-%d")', "0999-01-02", "0999-01-02"),
        ('date("%d/%m/%Y")', None, None),
        ('date("%d/%m/%Y")', "", ""),
        ('date("%d/%m/%Y")', datetime(2024, 2, 3, 12, tzinfo=UTC), "03/02/2024"),
        ('date("%d/%m/%Y")', date(2024, 2, 3), "03/02/2024"),
        ('phone_e164("US")', "+14155552671", "+14155552671"),
        ('phone_e164("US")', "(415) 555-2671", "(415) 555-2671"),
        ('trim | lowercase | map({"1": "open"})', "open", "1"),
        ('join(",") | map({"a,b": "both"})', "both", ["a", "b"]),
        ('date("%d/%m/%Y") | default("unknown")', "unknown", None),
    ],
)
def test_push_turns_the_local_value_into_the_remote_one(text: str, local: object, remote: object) -> None:
    assert identical(parse(text).push(local), remote)


def test_a_pipeline_pulls_left_to_right_and_pushes_right_to_left() -> None:
    pipeline = parse('map({"a": "b"}) | map({"b": "c"})')

    assert pipeline.pull("a") == "c"
    assert pipeline.pull("b") == "c"
    assert pipeline.push("c") == "a"


def test_a_value_a_stage_cannot_read_is_a_transform_error_naming_the_stage_but_not_the_value() -> None:
    pipeline = parse('trim | date("%d/%m/%Y")')

    with pytest.raises(TransformError) as caught:
        pipeline.pull("Ada's birthday")

    error = caught.value
    assert (error.stage, error.index, error.direction) == ("date", 1, "pull")
    assert error.message == 'date (stage 2) cannot pull the value: expected a date written as "%d/%m/%Y"'
    assert "birthday" not in str(error)


@pytest.mark.parametrize(
    ("text", "direction", "value", "reason"),
    [
        ('date("%d/%m/%Y")', "pull", "31/02/2024", 'expected a date written as "%d/%m/%Y"'),
        ('date("%d/%m/%Y")', "pull", 20240203, 'expected a date written as "%d/%m/%Y"'),
        ('date("%d/%m/%Y")', "push", "03/02/2024", "expected an ISO-8601 date (YYYY-MM-DD)"),
        ('date("%d/%m/%Y")', "push", "20240203", "expected an ISO-8601 date (YYYY-MM-DD)"),
        ('date("%d/%m/%Y")', "push", "2024-02-30", "expected an ISO-8601 date (YYYY-MM-DD)"),
        ('date("%d/%m/%Y")', "push", 3, "expected an ISO-8601 date (YYYY-MM-DD)"),
        ('date("%d/%m/%y")', "push", "1950-01-01", "a two-digit year (%y) holds only the years 1969 to 2068"),
        ('phone_e164("US")', "pull", "call me", "not a phone number"),
        ('phone_e164("US")', "pull", "555-0100", "not a valid phone number"),
        (
            'phone_e164("US")',
            "pull",
            "415-555-2671 ext. 12",
            "the number has an extension, which E.164 cannot hold",
        ),
        ('phone_e164("US")', "pull", True, "expected a phone number as text"),
        ('phone_e164("US")', "pull", ["4155552671"], "expected a phone number as text"),
        ('join(";")', "pull", ["a", None], "join reads lists of text and numbers"),
        ('join(";")', "pull", ["a", True], "join reads lists of text and numbers"),
    ],
)
def test_every_value_refusal_says_why(text: str, direction: str, value: object, reason: str) -> None:
    pipeline = parse(text)

    with pytest.raises(TransformError) as caught:
        pipeline.pull(value) if direction == "pull" else pipeline.push(value)

    assert caught.value.reason == reason
    assert caught.value.direction == direction


# --- Two-way mappings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('split(" ", 0)', "split (stage 1) is pull-only: what it leaves out cannot be pushed back"),
        (
            'map({"1": "open", "2": "open"})',
            'map (stage 1) gives "open" for both "1" and "2", so "open" cannot be pushed back',
        ),
        (
            'map({"a": "x"}) | trim',
            'map (stage 1) reads "a" as "x", but the stages after it also turn " a" into "a", which would be '
            'pushed back as "a"',
        ),
        (
            'map({"01/01/2024": "new year"}) | date("%d/%m/%Y")',
            'map (stage 1) reads "01/01/2024" as "new year", but the stages after it also turn " 01/01/2024" into '
            '"2024-01-01", which would be pushed back as "01/01/2024"',
        ),
        (
            'map({"a": " b", "b": "c"}) | trim',
            'map (stage 1) gives " b", and "b" is pushed as "b", which reads back as "c"',
        ),
    ],
)
def test_a_pipeline_that_cannot_round_trip_is_not_invertible_and_says_why(text: str, reason: str) -> None:
    pipeline = parse(text)

    assert not pipeline.invertible
    assert pipeline.why_not_invertible == reason
    with pytest.raises(TransformError) as caught:
        pipeline.push("anything")
    assert caught.value.direction == "push"
    assert caught.value.reason == f"the pipeline is one-way: {reason}"


def test_a_non_invertible_pipeline_still_pulls() -> None:
    assert parse('map({"1": "open", "2": "open"})').pull("2") == "open"


@pytest.mark.parametrize(
    "text",
    [
        "trim | lowercase",
        'uppercase | default("n/a")',
        'map({"1": "open", "2": "closed"})',
        'map({"a": "b", "b": "a"}) | lowercase',
        'join(";") | trim | map({"a;b": "both"}) | default("")',
        'trim | date("%d/%m/%Y") | map({"2024-01-01": "new year"}) | default("unknown")',
        'phone_e164("US") | map({"+14155552671": "front desk"})',
    ],
)
def test_these_pipelines_are_invertible(text: str) -> None:
    pipeline = parse(text)

    assert pipeline.invertible
    assert pipeline.why_not_invertible is None


def test_check_mapping_refuses_a_one_way_transformer_only_for_a_mapping_that_pushes() -> None:
    text = 'trim | split(" ", 0)'

    assert check_mapping(text, pushes=False) == parse(text)
    with pytest.raises(TransformerError) as caught:
        check_mapping(text, pushes=True)

    assert caught.value.column == 8
    assert caught.value.message == (
        "the transformer cannot be pushed back at column 8: split (stage 2) is pull-only: what it leaves out "
        "cannot be pushed back"
    )


def test_check_mapping_without_a_transformer_is_the_identity_both_ways() -> None:
    pipeline = check_mapping(None, pushes=True)

    assert pipeline == Pipeline() == parse("   ")
    assert pipeline.canonical == ""
    assert pipeline.pull(["as", "is"]) == ["as", "is"]
    assert pipeline.push("as is") == "as is"


def test_check_mapping_refuses_bad_text_whatever_the_direction() -> None:
    with pytest.raises(TransformerError, match="unknown stage"):
        check_mapping("lowercse", pushes=False)


def test_a_transformer_error_is_a_value_error_so_pydantic_names_the_field() -> None:
    import pydantic

    class Mapping(pydantic.BaseModel):
        transformer: str

        @pydantic.field_validator("transformer")
        @classmethod
        def canonical(cls, text: str) -> str:
            return parse(text).canonical

    with pytest.raises(pydantic.ValidationError) as caught:
        Mapping(transformer="trim | lowercse")

    (problem,) = caught.value.errors()
    assert problem["loc"] == ("transformer",)
    assert "unknown stage" in problem["msg"]
    assert Mapping(transformer=" trim|lowercase ").transformer == "trim | lowercase"


# --- The parser and its errors ----------------------------------------------------------------------------

KNOWN = "known: date, default, join, lowercase, map, phone_e164, split, trim, uppercase"


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("trim | lowercse", 8, f'unknown stage "lowercse" at column 8; {KNOWN}'),
        ("Trim", 1, f'unknown stage "Trim" at column 1; {KNOWN}'),
        ("trim |", 7, "expected a stage name at column 7, found the end"),
        ("| trim", 1, 'expected a stage name at column 1, found "|"'),
        ("trim || lowercase", 7, 'expected a stage name at column 7, found "|"'),
        ("trim lowercase", 6, 'expected "|" or the end at column 6, found "lowercase"'),
        ("trim # note", 6, 'expected "|" or the end at column 6, found "#"'),
        ("trim(", 6, "expected an argument (a JSON string, integer or object) at column 6, found the end"),
        ('default("x"', 12, 'expected "," or ")" at column 12, found the end'),
        ('default("x";', 12, 'expected "," or ")" at column 12, found ";"'),
        ("default(x)", 9, 'expected an argument (a JSON string, integer or object) at column 9, found "x"'),
        (
            "default(null)",
            9,
            'expected an argument (a JSON string, integer or object) at column 9, found "null"',
        ),
        (
            "default(['x'])",
            9,
            'expected an argument (a JSON string, integer or object) at column 9, found "["',
        ),
        (
            "default('x')",
            9,
            'expected an argument (a JSON string, integer or object) at column 9, found "\'"',
        ),
        ('default("n/a)', 9, "unterminated string starting at column 9"),
        ('default("n/a\\")', 9, "unterminated string starting at column 9"),
        ('default("\\x")', 10, "invalid JSON at column 10: Invalid \\escape"),
        ('default("a\tb")', 11, "invalid JSON at column 11: Invalid control character at"),
        ('default("\\ud800")', 9, "the string at column 9 holds a lone surrogate (not Unicode)"),
        ("trim \ud800", 6, "invalid character at column 6: a lone surrogate"),
        ("trim()()", 7, 'expected "|" or the end at column 7, found "("'),
        ("trim(1)", 1, "trim at column 1 takes no arguments; found 1"),
        ("default", 1, "default at column 1 takes 1 argument (text); found 0"),
        ('default("a", "b")', 1, "default at column 1 takes 1 argument (text); found 2"),
        ('split(",")', 1, "split at column 1 takes 2 arguments (separator, index); found 1"),
        ("default(1)", 9, "the text of default at column 9 must be a string; found an integer"),
        ('split(",", "1")', 12, "the index of split at column 12 must be an integer; found a string"),
        ('split(",", 1.5)', 12, 'expected an integer at column 12, found "1.5"'),
        ('split(",", 01)', 12, 'expected an integer at column 12, found "01"'),
        ('split(",", 1e2)', 12, 'expected an integer at column 12, found "1e2"'),
        ('split(",", 101)', 12, "the index of split at column 12 must be between -100 and 100"),
        ('split("", 0)', 7, "the separator of split at column 7 must not be empty"),
        ('join("")', 6, "the separator of join at column 6 must not be empty"),
        ("join({})", 6, "the separator of join at column 6 must be a string; found an object"),
        ('map("a")', 5, "the argument of map at column 5 must be an object of strings; found a string"),
        ("map({})", 5, "the object of map at column 5 must have an entry"),
        ('map({"a": 1})', 5, 'the value of "a" in the object at column 5 must be a string'),
        ('map({"a": null})', 5, 'the value of "a" in the object at column 5 must be a string'),
        ('map({"a": NaN})', 5, 'the value of "a" in the object at column 5 must be a string'),
        ('map({"a": "b", "a": "c"})', 5, 'duplicate key "a" in the object at column 5'),
        (
            'map({"a": "b",})',
            15,
            "invalid JSON at column 15: Expecting property name enclosed in double quotes",
        ),
        ("map({a: 1})", 6, "invalid JSON at column 6: Expecting property name enclosed in double quotes"),
        ('map({"a": {"b": "c"}})', 11, "nested object at column 11: map takes a flat object of strings"),
        ('map({"a": ["b"]})', 11, "nested array at column 11: map takes a flat object of strings"),
        ('map({"a": "b"', 5, "unterminated object starting at column 5"),
        ('map({"a": "}"', 5, "unterminated object starting at column 5"),
        ('map({"a": "\\ud800"})', 5, "the object at column 5 holds a lone surrogate (not Unicode)"),
        (
            'lowercase | map({"Open": "o"})',
            13,
            'map key "Open" at column 13 can never match: lowercase (stage 1) never gives it',
        ),
        (
            'trim | map({" a": "b"})',
            8,
            'map key " a" at column 8 can never match: trim (stage 1) never gives it',
        ),
        (
            'map({"a": "b"}) | default("x") | map({"a": "c"})',
            34,
            'map key "a" at column 34 can never match: map (stage 1) never gives it',
        ),
        (
            'date("%Y-%m-%d") | map({"1/2/2024": "x"})',
            20,
            'map key "1/2/2024" at column 20 can never match: date (stage 1) never gives it',
        ),
        (
            'phone_e164("US") | map({"415-555-2671": "desk"})',
            20,
            'map key "415-555-2671" at column 20 can never match: phone_e164 (stage 1) never gives it',
        ),
        (
            'trim | join(",")',
            8,
            "join at column 8 must be the first stage: it is the only one that reads lists, and the stages "
            "before it would pass a list through untouched",
        ),
        (
            'date("%Y-%m-%d") | phone_e164("US")',
            20,
            "phone_e164 at column 20 follows date: a pipeline converts to at most one kind of value (a date or "
            "a phone number)",
        ),
        (
            'date("%Y-%m-%d") | trim | date("%d/%m/%Y")',
            27,
            "date at column 27 follows date: a pipeline converts to at most one kind of value (a date or a phone "
            "number)",
        ),
        ('phone_e164("XX")', 12, 'unknown region "XX" at column 12; expected an ISO 3166 code such as "US"'),
        (
            'phone_e164("USA")',
            12,
            'unknown region "USA" at column 12; expected an ISO 3166 code such as "US"',
        ),
        (
            'phone_e164("001")',
            12,
            'unknown region "001" at column 12; expected an ISO 3166 code such as "US"',
        ),
    ],
)
def test_every_parse_error_names_the_column_and_what_was_expected(
    text: str, column: int, message: str
) -> None:
    error = refusal(text)

    assert error.column == column
    assert error.message.startswith(message), error.message
    assert str(error) == error.message


@pytest.mark.parametrize(
    ("format_text", "problem"),
    [
        ("%H:%M", 'has %H, which is not allowed; allowed: %Y, %y, %m, %d, %j, %% and " -/.,:_"'),
        ("%B %d, %Y", "has %B, which is not allowed"),
        ("%Y-%m-%d%n", "has %n, which is not allowed"),
        ("%Y-%m-%d %", "ends with a lone %"),
        ("%Y-%m-%dT", 'has the character "T", which is not allowed'),
        ("%Y年%m月%d日", 'has the character "年", which is not allowed'),
        (" %Y-%m-%d", "must not start or end with a space"),
        ("%m/%d", "needs a year (%Y or %y)"),
        ("%Y-%m", "needs a month and a day (%m and %d) or a day of the year (%j)"),
        ("%Y %y %m %d", "needs one year, not both %Y and %y"),
        ("%Y-%m-%d-%d", "uses %d twice"),
        ("%Y %j %m", "takes %j without %m or %d"),
    ],
)
def test_a_date_format_uses_only_safe_numeric_directives_and_names_a_whole_date(
    format_text: str, problem: str
) -> None:
    error = refusal(f"date({json.dumps(format_text, ensure_ascii=False)})")

    assert error.column == 6
    assert error.message.startswith(
        f"the date format {json.dumps(format_text, ensure_ascii=False)} at column 6 {problem}"
    )


def test_a_literal_percent_is_allowed_in_a_date_format() -> None:
    pipeline = parse('date("%Y-%m-%d %%")')

    assert pipeline.pull("2024-02-03 %") == "2024-02-03"
    assert pipeline.push("2024-02-03") == "2024-02-03 %"


def test_a_region_is_taken_in_either_case_and_stored_in_capitals() -> None:
    assert parse('phone_e164("gb")').canonical == 'phone_e164("GB")'


def test_text_longer_than_the_limit_is_refused_before_it_is_read() -> None:
    error = refusal("trim | " + " " * 993 + "x")

    assert error.column == 1_001
    assert (
        error.message == "the transformer is too long at column 1001: at most 1,000 characters, found 1,001"
    )


def test_text_of_exactly_the_limit_is_read() -> None:
    text = 'map({"k": "' + "v" * 986 + '"})'
    assert len(text) == transformers.MAX_LENGTH

    assert parse(text).pull("k") == "v" * 986


def test_at_most_twenty_stages() -> None:
    assert len(parse(" | ".join(["trim"] * 20)).stages) == 20

    error = refusal(" | ".join(["trim"] * 21))

    assert error.column == 20 * len("trim | ") + 1
    assert error.message == f"too many stages at column {error.column}: at most 20"


def test_at_most_five_hundred_map_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1,000 characters hold about 160 entries, so the entry limit only bites if the length limit grows.
    monkeypatch.setattr(transformers, "MAX_LENGTH", 100_000)
    entries = {str(number): f"label {number}" for number in range(501)}

    error = refusal(f"map({json.dumps(entries)})")
    accepted = parse(f"map({json.dumps(dict(list(entries.items())[:500]))})")

    assert error.message == "too many entries in the object at column 5: at most 500"
    assert accepted.pull("499") == "label 499"


@pytest.mark.parametrize(
    "text",
    [
        "map(" + "{" * 996,
        "map(" + "{" * 498 + "}" * 498,
        "map(" + "[" * 497 + "]" * 497 + ")",
        'map({"a": ' + "[" * 490 + "]" * 490 + "})",
        'map({"a": "' + "{" * 400 + '"})',
        "default(" + '"' + "\\" * 989 + '")',
        "split(" + "-" * 990 + ")",
    ],
)
def test_deeply_nested_or_pathological_arguments_are_a_clear_error_never_a_recursion_error(text: str) -> None:
    assert len(text) <= transformers.MAX_LENGTH

    outcome = attempt(text)

    if isinstance(outcome, TransformerError):
        assert outcome.column >= 1
    else:
        # Only the map whose one value is a string of braces is a transformer.
        assert outcome.pull("a") == "{" * 400


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("  trim|lowercase  ", "trim | lowercase"),
        ("trim()", "trim"),
        ('map( { "2" : "closed" , "1":"open" } )', 'map({"1": "open", "2": "closed"})'),
        ('default("\\u00e9t\\u00e9")', 'default("été")'),
        ('default("tab\\there")', 'default("tab\\there")'),
        ('default("say \\"hi\\"")', 'default("say \\"hi\\"")'),
        ('split(" ", -0)', 'split(" ", 0)'),
        ('phone_e164("us")', 'phone_e164("US")'),
        ("\t\ntrim\r\n", "trim"),
    ],
)
def test_the_canonical_text_is_one_text_per_meaning(text: str, canonical: str) -> None:
    pipeline = parse(text)

    assert pipeline.canonical == canonical
    assert str(pipeline) == canonical
    assert parse(canonical) == pipeline


def test_pipelines_are_values_compared_by_meaning_not_by_where_they_were_written() -> None:
    assert parse("trim | lowercase") == parse("  trim  |  lowercase")
    assert hash(parse('map({"a": "b"})')) == hash(parse(' map({"a":"b"})'))
    assert parse("trim") != parse("lowercase")


# --- Properties -------------------------------------------------------------------------------------------

# Small alphabets make collisions likely: keys that are labels, spaces that trim removes, letters whose case
# changes their length (ß, İ), separators inside values.
ALPHABET = "aAb ,;-1ßİ"
short_text = st.text(ALPHABET, max_size=3)
separators = st.text(ALPHABET, min_size=1, max_size=2)
DATE_FORMATS = [
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m-%d-%y",
    "%Y%m%d",
    "%d.%m.%Y",
    "%Y %j",
    "%y/%m/%d",
    "%j-%y",
    "%d %m %Y %%",
]
REGIONS = ["US", "GB", "DE", "FR", "IT", "BR", "IN", "JP", "AU"]


def literal(value: object, draw: st.DrawFn) -> str:
    return json.dumps(value, ensure_ascii=draw(st.booleans()))


@st.composite
def plain_stage_texts(draw: st.DrawFn, allow_split: bool = True) -> str:
    kinds = ["trim", "lowercase", "uppercase", "default", "map", "map"] + (["split"] if allow_split else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "default":
        return f"default({literal(draw(short_text), draw)})"
    if kind == "split":
        return f"split({literal(draw(separators), draw)}, {draw(st.integers(-2, 2))})"
    if kind == "map":
        entries = draw(st.dictionaries(short_text, short_text, min_size=1, max_size=4))
        return f"map({literal(entries, draw)})"
    return kind


@st.composite
def pipeline_texts(draw: st.DrawFn, allow_split: bool = True) -> str:
    stages = draw(st.lists(plain_stage_texts(allow_split), max_size=5))
    conversion = draw(st.sampled_from(["none", "none", "date", "phone"]))
    if conversion == "date":
        stages.insert(
            draw(st.integers(0, len(stages))), f"date({literal(draw(st.sampled_from(DATE_FORMATS)), draw)})"
        )
    elif conversion == "phone":
        stages.insert(draw(st.integers(0, len(stages))), f'phone_e164("{draw(st.sampled_from(REGIONS))}")')
    if draw(st.booleans()):
        stages.insert(0, f"join({literal(draw(separators), draw)})")
    return " | ".join(stages)


def parsed(text: str) -> Pipeline | None:
    try:
        return parse(text)
    except TransformerError:
        return None


def pipelines(allow_split: bool = True) -> st.SearchStrategy[Pipeline]:
    return pipeline_texts(allow_split).map(parsed).filter(lambda pipeline: pipeline is not None)  # type: ignore[return-value]


def written(day: date, format_text: str, padded: bool) -> str:
    """A date as a CRM might write it in `format_text`, zero-padded or not (strptime takes both)."""
    numbers = {
        "Y": f"{day.year:04d}",
        "y": f"{day.year % 100:02d}",
        "m": f"{day.month:02d}" if padded else str(day.month),
        "d": f"{day.day:02d}" if padded else str(day.day),
        "j": f"{day.timetuple().tm_yday:03d}",
        "%": "%",
    }
    return re.sub(r"%(.)", lambda match: numbers[match.group(1)], format_text)


@st.composite
def phone_texts(draw: st.DrawFn) -> str:
    number = phonenumbers.example_number(draw(st.sampled_from(REGIONS)))
    assert number is not None
    formats = phonenumbers.PhoneNumberFormat
    style = draw(st.sampled_from([formats.E164, formats.INTERNATIONAL, formats.NATIONAL, formats.RFC3966]))
    return phonenumbers.format_number(number, style)


@st.composite
def remote_values(draw: st.DrawFn, pipeline: Pipeline) -> object:
    """What a CRM may send for a field: anything JSON, the pipeline's own constants, dates, phone numbers."""
    constants: list[str] = []
    for stage in pipeline.stages:
        for argument in stage.arguments():
            if isinstance(argument, dict):
                constants.extend([*argument, *argument.values()])
            elif isinstance(argument, str):
                constants.append(argument)
    choices = [
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        short_text,
        st.lists(short_text, max_size=3),
        st.builds(
            written,
            st.dates(date(1969, 1, 1), date(2068, 12, 31)),
            st.sampled_from(DATE_FORMATS),
            st.booleans(),
        ),
        phone_texts(),
    ]
    if constants:
        choices.append(st.sampled_from(constants))
        choices.append(st.lists(st.sampled_from(constants), max_size=3))
    return draw(st.one_of(choices))


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_a_two_way_pipeline_gives_back_every_local_value_it_can_produce(data: st.DataObject) -> None:
    pipeline = data.draw(pipelines(allow_split=False))
    assume(pipeline.invertible)
    remote = data.draw(remote_values(pipeline))
    try:
        local = pipeline.pull(remote)
    except TransformError:
        assume(False)
        raise  # unreachable: assume(False) stops the example

    pushed = pipeline.push(local)

    assert identical(pipeline.pull(pushed), local), (pipeline.canonical, remote, local, pushed)
    # ...and the remote value we would push is a fixed point: the next round trip pushes the same.
    assert identical(pipeline.push(pipeline.pull(pushed)), pushed)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_canonical_text_parses_back_to_the_same_pipeline(data: st.DataObject) -> None:
    pipeline = data.draw(pipelines())

    again = parse(pipeline.canonical)

    assert again == pipeline
    assert again.canonical == pipeline.canonical
    assert again.invertible == pipeline.invertible


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_value_either_transforms_or_is_a_transform_error(data: st.DataObject) -> None:
    pipeline = data.draw(pipelines())
    value = data.draw(JSON_VALUES)

    for direction in (pipeline.pull, pipeline.push):
        with contextlib.suppress(TransformError):
            direction(value)


TOKENS = [
    "trim", "lowercase", "uppercase", "default", "split", "join", "map", "date", "phone_e164", "x",
    "|", "(", ")", ",", ":", "{", "}", "[", "]", '"', "\\", "\\u", "\\ud800", " ", "\t", "-", "0", "1", "1.5",
    '"US"', '"%Y-%m-%d"', '"a"', '{"a": "b"}', "null", "é", "\x00",
]  # fmt: skip


@settings(max_examples=1_000, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)))
def test_garbage_is_never_anything_but_a_transformer_error(text: str) -> None:
    outcome = attempt(text)

    if isinstance(outcome, TransformerError):
        assert 1 <= outcome.column <= len(text) + 1
        assert outcome.message
    else:
        assert parse(outcome.canonical) == outcome


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=transformers.MAX_LENGTH - 20, max_size=transformers.MAX_LENGTH + 20))
def test_texts_around_the_length_limit_are_never_anything_but_a_transformer_error(text: str) -> None:
    outcome = attempt(text)

    if len(text) > transformers.MAX_LENGTH:
        assert isinstance(outcome, TransformerError)
        assert outcome.column == transformers.MAX_LENGTH + 1


NORMALISERS = ["trim", "lowercase", "uppercase", 'phone_e164("US")', 'phone_e164("GB")', 'date("%Y-%m-%d")']


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(["trim", "lowercase", "uppercase"]), min_size=1, max_size=4).map(" | ".join),
    st.text(max_size=12),
)
def test_case_and_space_normalisations_are_idempotent(text: str, value: str) -> None:
    pipeline = parse(text)

    once = pipeline.pull(value)

    assert pipeline.pull(once) == once
    assert pipeline.push(pipeline.push(value)) == pipeline.push(value)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([*NORMALISERS, 'default("n/a")', 'default("")', 'join(";")']), st.data())
def test_each_normalising_stage_is_idempotent_both_ways(text: str, data: st.DataObject) -> None:
    pipeline = parse(text)
    value = data.draw(remote_values(pipeline))
    try:
        once = pipeline.pull(value)
    except TransformError:
        assume(False)
        raise

    if text.startswith("join"):
        assert pipeline.pull(once) == once  # text stays text
    else:
        assert identical(pipeline.pull(once), once)
    pushed = pipeline.push(once)
    assert identical(pipeline.push(pushed), pushed)
