"""Transformers of the sync engine: a small declarative pipeline language, never a client's code.

A field mapping's `transformer` is text such as `trim | lowercase | map({"1": "open"})`, parsed and checked
when the sync configuration is saved (`check_mapping`), stored as its canonical text
(`Pipeline.canonical`), and applied per value: `Pipeline.pull` turns a remote value into the local one,
running the stages left to right; `Pipeline.push` turns a local value into the remote one, running each
stage's push direction right to left. The README ("Transformers") is the language's reference.

The promise for two-way mappings: when `Pipeline.invertible`, every local value the pipeline can produce
(`v = pull(x)` for some remote `x`) comes back unchanged, `pull(push(v)) == v`, so pushing what was pulled
never makes the next pull change it, and the engine never ping-pongs. The analysis behind `invertible` is
conservative: it may refuse an odd pipeline that would in fact round-trip, never the other way round (the
property tests in tests/unit/test_transformers.py hunt for counterexamples).

Pure: no I/O, no clock, no `eval`. Untrusted text is bounded (`MAX_LENGTH`, `MAX_STAGES`,
`MAX_MAP_ENTRIES`) and parsed without recursion: a `map` argument is isolated by a scanner that respects
strings and escapes and refuses nesting before `json` sees it.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import ClassVar, Literal

import phonenumbers

__all__ = [
    "MAX_LENGTH",
    "MAX_MAP_ENTRIES",
    "MAX_STAGES",
    "Pipeline",
    "TransformError",
    "TransformerError",
    "check_mapping",
    "parse",
]

MAX_LENGTH = 1_000
MAX_STAGES = 20
MAX_MAP_ENTRIES = 500
# A part index past this is a mistake, not a record with a hundred separators.
MAX_SPLIT_INDEX = 100

Direction = Literal["pull", "push"]
Argument = str | int | dict[str, str]


class TransformerError(ValueError):
    """Transformer text that cannot be used. The message names the column (1-based, also in `column`) and
    what was expected; it is a ValueError so that a pydantic validator turns it into a field error."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


class TransformError(ValueError):
    """A value a stage cannot transform, raised by `Pipeline.pull` / `push`. It names the stage (`stage`,
    its 0-based `index`) and the `direction`, never the value (contact data stays out of logs)."""

    def __init__(self, stage: str, index: int, direction: Direction, reason: str) -> None:
        self.stage = stage
        self.index = index
        self.direction = direction
        self.reason = reason
        self.message = f"{stage} (stage {index + 1}) cannot {direction} the value: {reason}"
        super().__init__(self.message)


class _Unusable(Exception):
    """A stage's refusal of one value; the pipeline adds which stage and direction."""


def _quote(text: str, limit: int = 40) -> str:
    """A string as JSON text for a message, shortened so a message never carries a whole long input."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return json.dumps(shown, ensure_ascii=False)


def _show(value: object) -> str:
    return _quote(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


# --- Stages ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage(ABC):
    """One stage: its pull direction, its push direction (identity unless it says otherwise)."""

    name: ClassVar[str]
    # False for a stage with no push direction (the pipeline is then pull-only).
    pushes: ClassVar[bool] = True
    # Where the stage starts in the text it was parsed from; not part of its identity.
    column: int = field(default=0, compare=False, kw_only=True)

    def arguments(self) -> tuple[Argument, ...]:
        return ()

    @property
    def canonical(self) -> str:
        arguments = self.arguments()
        if not arguments:
            return self.name
        return f"{self.name}({', '.join(json.dumps(a, ensure_ascii=False) for a in arguments)})"

    def constants(self) -> tuple[str, ...]:
        """Values it gives whatever it reads (a map's labels, a default): each is checked for round trips."""
        return ()

    def produces(self, text: str) -> bool | None:
        """Whether pulling can give `text`: False never, True possibly, None exactly when its input can."""
        return True

    def shadowed(self) -> tuple[object, ...]:
        """Inputs that pulling replaces but pushing passes through (a map's keys that are not also labels)."""
        return ()

    def variants(self, value: object) -> list[object]:
        """Some other inputs that may pull to what `value` pulls to (" a" for "a" under trim); see
        `alternatives`, which keeps only those that do."""
        return []

    def alternatives(self, value: object) -> list[object]:
        """Other inputs that pull to exactly what `value` pulls to."""
        try:
            target = self.pull(value)
            found: list[object] = []
            for variant in self.variants(value):
                try:
                    if variant != value and self.pull(variant) == target and variant not in found:
                        found.append(variant)
                except _Unusable:
                    continue
            return found
        except _Unusable:
            return []

    @abstractmethod
    def pull(self, value: object) -> object: ...

    def push(self, value: object) -> object:
        return value


@dataclass(frozen=True)
class Trim(Stage):
    name = "trim"

    def pull(self, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    def push(self, value: object) -> object:
        return self.pull(value)

    def produces(self, text: str) -> bool:
        return text == text.strip()

    def variants(self, value: object) -> list[object]:
        return [" " + value, value + " ", "\t" + value + "\t"] if isinstance(value, str) else []


@dataclass(frozen=True)
class Lowercase(Stage):
    name = "lowercase"

    def pull(self, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    def produces(self, text: str) -> bool:
        return text == text.lower()

    def variants(self, value: object) -> list[object]:
        return [value.upper(), value.title(), value.swapcase()] if isinstance(value, str) else []


@dataclass(frozen=True)
class Uppercase(Stage):
    name = "uppercase"

    def pull(self, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def produces(self, text: str) -> bool:
        return text == text.upper()

    def variants(self, value: object) -> list[object]:
        return [value.lower(), value.title(), value.swapcase()] if isinstance(value, str) else []


@dataclass(frozen=True)
class Default(Stage):
    """`default(text)`: a missing or empty remote value reads as `text`; pushing `text` clears the remote."""

    name = "default"
    text: str

    def arguments(self) -> tuple[Argument, ...]:
        return (self.text,)

    def constants(self) -> tuple[str, ...]:
        return (self.text,)

    def pull(self, value: object) -> object:
        return self.text if value is None or value == "" else value

    def push(self, value: object) -> object:
        # The placeholder is ours: pushing it would write "n/a" into the CRM where it held nothing (and,
        # after a case-changing stage, would not read back the same).
        return None if value == self.text else value

    def produces(self, text: str) -> bool | None:
        if text == self.text:
            return True
        return False if text == "" else None

    def shadowed(self) -> tuple[object, ...]:
        return tuple(blank for blank in (None, "") if blank != self.text)

    def variants(self, value: object) -> list[object]:
        return [None, "", self.text]


@dataclass(frozen=True)
class Split(Stage):
    """`split(separator, index)`: the index-th part (negative counts from the end), None when absent."""

    name = "split"
    pushes = False
    separator: str
    index: int

    def arguments(self) -> tuple[Argument, ...]:
        return (self.separator, self.index)

    def pull(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        parts = value.split(self.separator)
        return parts[self.index] if -len(parts) <= self.index < len(parts) else None

    def push(self, value: object) -> object:
        raise _Unusable("split is pull-only")


@dataclass(frozen=True)
class Join(Stage):
    """`join(separator)`: a remote list reads as one text; pushing splits the text back into a list."""

    name = "join"
    separator: str

    def arguments(self) -> tuple[Argument, ...]:
        return (self.separator,)

    def pull(self, value: object) -> object:
        if not isinstance(value, list):
            return value
        parts: list[str] = []
        for element in value:
            if isinstance(element, str):
                parts.append(element)
            elif isinstance(element, int | float) and not isinstance(element, bool):
                parts.append(str(element))
            else:
                raise _Unusable("join reads lists of text and numbers")
        return self.separator.join(parts)

    def push(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        return value.split(self.separator) if value else []

    def variants(self, value: object) -> list[object]:
        return [[value], value.split(self.separator)] if isinstance(value, str) else []


@dataclass(frozen=True)
class Map(Stage):
    """`map({...})`: remote codes to local labels (others pass unchanged); push applies the inverse."""

    name = "map"
    entries: tuple[tuple[str, str], ...]  # sorted by key: one meaning, one canonical text
    forward: dict[str, str] = field(init=False, compare=False, repr=False)
    inverse: dict[str, str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        inverse: dict[str, str] = {}
        for key, value in self.entries:
            inverse.setdefault(value, key)
        object.__setattr__(self, "forward", dict(self.entries))
        object.__setattr__(self, "inverse", inverse)

    def arguments(self) -> tuple[Argument, ...]:
        return (dict(self.entries),)

    def constants(self) -> tuple[str, ...]:
        return tuple(self.inverse)

    def clashes(self) -> tuple[str, str, str] | None:
        """Two keys giving one value, as (value, first key, second key), or None when injective."""
        for key, value in self.entries:
            if self.inverse[value] != key:
                return value, self.inverse[value], key
        return None

    def pull(self, value: object) -> object:
        # A CRM may send a numeric code as a number: 2 matches the key "2".
        if isinstance(value, int) and not isinstance(value, bool):
            return self.forward.get(str(value), value)
        if isinstance(value, str):
            return self.forward.get(value, value)
        return value

    def push(self, value: object) -> object:
        return self.inverse.get(value, value) if isinstance(value, str) else value

    def produces(self, text: str) -> bool | None:
        if text in self.inverse:
            return True
        return False if text in self.forward else None

    def shadowed(self) -> tuple[object, ...]:
        return tuple(key for key, value in self.entries if key not in self.inverse)

    def variants(self, value: object) -> list[object]:
        target = self.pull(value)
        return [*(key for key, label in self.entries if label == target), target]


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Directives that are pure numbers whatever the locale; names of months and days are not.
_DATE_DIRECTIVES = {"Y": "year", "y": "two-digit year", "m": "month", "d": "day", "j": "day of the year"}
_DATE_LITERALS = " -/.,:_"
_DATE_ALLOWED = f"allowed: %Y, %y, %m, %d, %j, %% and {_quote(_DATE_LITERALS)}"
# strptime's window for %y: 69-99 are 1969-1999, 00-68 are 2000-2068.
_TWO_DIGIT_YEARS = range(1969, 2069)


def _iso_date(text: str) -> date | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Date(Stage):
    """`date(format)`: remote text in `format` <-> local ISO-8601 `YYYY-MM-DD`."""

    name = "date"
    format: str

    def arguments(self) -> tuple[Argument, ...]:
        return (self.format,)

    def pull(self, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if not isinstance(value, str):
            raise _Unusable(f"expected a date written as {_quote(self.format)}")
        text = value.strip()
        if not text:
            return None
        try:
            return datetime.strptime(text, self.format).date().isoformat()
        except ValueError:
            raise _Unusable(f"expected a date written as {_quote(self.format)}") from None

    def push(self, value: object) -> object:
        if value is None or value == "":
            return value
        if isinstance(value, datetime):
            day: date | None = value.date()
        elif isinstance(value, date):
            day = value
        else:
            day = _iso_date(value) if isinstance(value, str) else None
        if day is None:
            raise _Unusable("expected an ISO-8601 date (YYYY-MM-DD)")
        if "%y" in self.format and day.year not in _TWO_DIGIT_YEARS:
            raise _Unusable("a two-digit year (%y) holds only the years 1969 to 2068")
        return _format_date(day, self.format)

    def produces(self, text: str) -> bool:
        return _iso_date(text) is not None

    def variants(self, value: object) -> list[object]:
        return _blank_variants(value)


def _format_date(day: date, format_text: str) -> str:
    """strftime for the whitelisted directives, zero-padded everywhere (glibc's %Y does not pad 999)."""
    numbers = {
        "Y": f"{day.year:04d}",
        "y": f"{day.year % 100:02d}",
        "m": f"{day.month:02d}",
        "d": f"{day.day:02d}",
        "j": f"{day.timetuple().tm_yday:03d}",
        "%": "%",
    }
    return re.sub(r"%(.)", lambda match: numbers[match.group(1)], format_text)


@dataclass(frozen=True)
class PhoneE164(Stage):
    """`phone_e164(region)`: remote numbers to E.164, `region` for those written without a country code."""

    name = "phone_e164"
    region: str

    def arguments(self) -> tuple[Argument, ...]:
        return (self.region,)

    def pull(self, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _Unusable("expected a phone number as text")
        text = str(value).strip()
        if not text:
            return None
        try:
            number = phonenumbers.parse(text, self.region)
        except phonenumbers.NumberParseException:
            raise _Unusable("not a phone number") from None
        if number.extension:
            raise _Unusable("the number has an extension, which E.164 cannot hold")
        if not phonenumbers.is_valid_number(number):
            raise _Unusable("not a valid phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def produces(self, text: str) -> bool:
        try:
            return self.pull(text) == text
        except _Unusable:
            return False

    def variants(self, value: object) -> list[object]:
        return _blank_variants(value)


def _blank_variants(value: object) -> list[object]:
    """For stages that strip their input and read blanks as None."""
    variants: list[object] = [None, "", " "]
    return [*variants, " " + value] if isinstance(value, str) else variants


# --- Pipelines ------------------------------------------------------------------------------------------


def _run(stages: Sequence[Stage], value: object, direction: Direction, first_index: int = 0) -> object:
    """Pull through `stages` left to right, or push right to left; `first_index` numbers them in errors."""
    order = range(len(stages)) if direction == "pull" else range(len(stages) - 1, -1, -1)
    for position in order:
        stage = stages[position]
        try:
            value = stage.pull(value) if direction == "pull" else stage.push(value)
        except _Unusable as refusal:
            raise TransformError(stage.name, first_index + position, direction, str(refusal)) from None
    return value


def _label(stage: Stage, index: int) -> str:
    return f"{stage.name} (stage {index + 1})"


def _round_trip_problem(stages: Sequence[Stage], local: object) -> str | None:
    """Why `local` would not come back unchanged from a push and a pull, or None when it does."""
    try:
        remote = _run(stages, local, "push")
        back = _run(stages, remote, "pull")
    except TransformError as error:
        return f"{_show(local)} cannot go back and forth: {error.message}"
    if back == local:
        return None
    return f"{_show(local)} is pushed as {_show(remote)}, which reads back as {_show(back)}"


# Enough remote values per step to find one that proves a problem; the search stays small and bounded.
_PREIMAGE_SAMPLE = 32


def _preimages(stages: Sequence[Stage], local: object) -> list[object]:
    """Some remote values that pull through `stages` to `local`: what push gives, and each stage's
    alternatives for it ("A" beside "a" under lowercase), carried back one stage at a time."""
    found = [local]
    for stage in reversed(stages):
        earlier: list[object] = []
        for value in found:
            try:
                pushed = stage.push(value)
                for candidate in (pushed, *stage.alternatives(pushed)):
                    if stage.pull(candidate) == value and candidate not in earlier:
                        earlier.append(candidate)
            except _Unusable:
                continue
        found = earlier[:_PREIMAGE_SAMPLE]
    return found


def _shadow_witness(stage: Stage, after: Sequence[Stage], shadowed: object) -> tuple[object, object] | None:
    """(local, other) when the stages `after` push a local value back to `shadowed` while `other`, which
    `stage` passes unchanged, also pulls to it; None when no such value is found."""
    try:
        local = _run(after, shadowed, "pull")
        if _run(after, local, "push") != shadowed:
            return None
    except TransformError:
        return None
    for other in _preimages(after, local):
        try:
            if other != shadowed and stage.pull(other) == other:
                return local, other
        except _Unusable:
            continue
    return None


def _find_obstacle(stages: Sequence[Stage]) -> tuple[int, str] | None:
    """The first reason the pipeline cannot be pushed back faithfully, as (stage index, reason)."""
    for index, stage in enumerate(stages):
        if not stage.pushes:
            return index, f"{_label(stage, index)} is pull-only: what it leaves out cannot be pushed back"
        if isinstance(stage, Map) and (clash := stage.clashes()):
            value, first, second = clash
            return index, (
                f"{_label(stage, index)} gives {_quote(value)} for both {_quote(first)} and "
                f"{_quote(second)}, so {_quote(value)} cannot be pushed back"
            )
    for index, stage in enumerate(stages):
        after = stages[index + 1 :]
        # A constant a stage gives (a map's label, a default) must survive the way back through every stage.
        for constant in stage.constants():
            try:
                local = _run(after, constant, "pull", index + 1)
            except TransformError:
                continue  # the stages after this one refuse it: no local value comes from it
            if problem := _round_trip_problem(stages, local):
                return index, f"{_label(stage, index)} gives {_quote(constant)}, and {problem}"
        # An input this stage replaces but pushes through untouched (a map's key) must not be where the
        # stages after it push back a local value that other remote values reach.
        for shadowed in stage.shadowed():
            if witness := _shadow_witness(stage, after, shadowed):
                local, other = witness
                return index, (
                    f"{_label(stage, index)} reads {_show(shadowed)} as {_show(stage.pull(shadowed))}, "
                    f"but the stages after it also turn {_show(other)} into {_show(local)}, which would be "
                    f"pushed back as {_show(shadowed)}"
                )
    return None


@dataclass(frozen=True)
class Pipeline:
    """A parsed transformer: `pull` (remote -> local), `push` (local -> remote), `canonical` text."""

    stages: tuple[Stage, ...] = ()

    @property
    def canonical(self) -> str:
        """The text to store: `parse(p.canonical) == p`, one text per meaning ("" for no stage)."""
        return " | ".join(stage.canonical for stage in self.stages)

    def __str__(self) -> str:
        return self.canonical

    @cached_property
    def _obstacle(self) -> tuple[int, str] | None:
        return _find_obstacle(self.stages)

    @property
    def invertible(self) -> bool:
        """Whether every local value it can pull comes back unchanged from push then pull."""
        return self._obstacle is None

    @property
    def why_not_invertible(self) -> str | None:
        return None if self._obstacle is None else self._obstacle[1]

    def pull(self, value: object) -> object:
        """The local value for a remote one; TransformError when a stage cannot read it."""
        return _run(self.stages, value, "pull")

    def push(self, value: object) -> object:
        """The remote value for a local one; TransformError when a stage cannot write it, or always when
        the pipeline is not invertible (check_mapping refuses those for mappings that push)."""
        if self._obstacle is not None:
            index, reason = self._obstacle
            raise TransformError(self.stages[index].name, index, "push", f"the pipeline is one-way: {reason}")
        return _run(self.stages, value, "push")


def check_mapping(text: str | None, *, pushes: bool) -> Pipeline:
    """The pipeline of a field mapping's `transformer` (None: no stage), refused with TransformerError
    when the text is not a transformer or, for a mapping that pushes, when it cannot be pushed back.

    A mapping pushes when its configuration's `syncDirection` is `push`, or `bidirectional` with the
    mapping's `bidirectional` true.
    """
    pipeline = Pipeline() if text is None else parse(text)
    if pushes and pipeline._obstacle is not None:
        index, reason = pipeline._obstacle
        column = pipeline.stages[index].column
        raise TransformerError(f"the transformer cannot be pushed back at column {column}: {reason}", column)
    return pipeline


# --- The parser -----------------------------------------------------------------------------------------

_WHITESPACE = " \t\r\n"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER_CHARACTERS = "+-.0123456789eE"


@dataclass(frozen=True)
class _Located:
    """An argument as parsed, with the column where it starts."""

    value: Argument
    column: int


def _kind(value: Argument) -> str:
    if isinstance(value, str):
        return "a string"
    return "an integer" if isinstance(value, int) else "an object"


def _text_argument(stage: str, parameter: str, argument: _Located) -> str:
    if not isinstance(argument.value, str):
        raise TransformerError(
            f"the {parameter} of {stage} at column {argument.column} must be a string; "
            f"found {_kind(argument.value)}",
            argument.column,
        )
    return argument.value


def _separator(stage: str, argument: _Located) -> str:
    separator = _text_argument(stage, "separator", argument)
    if not separator:
        raise TransformerError(
            f"the separator of {stage} at column {argument.column} must not be empty", argument.column
        )
    return separator


def _build_default(arguments: list[_Located], column: int) -> Stage:
    return Default(_text_argument("default", "text", arguments[0]), column=column)


def _build_split(arguments: list[_Located], column: int) -> Stage:
    separator = _separator("split", arguments[0])
    index = arguments[1]
    if not isinstance(index.value, int):
        raise TransformerError(
            f"the index of split at column {index.column} must be an integer; found {_kind(index.value)}",
            index.column,
        )
    if abs(index.value) > MAX_SPLIT_INDEX:
        raise TransformerError(
            f"the index of split at column {index.column} must be between -{MAX_SPLIT_INDEX} and "
            f"{MAX_SPLIT_INDEX}",
            index.column,
        )
    return Split(separator, index.value, column=column)


def _build_join(arguments: list[_Located], column: int) -> Stage:
    return Join(_separator("join", arguments[0]), column=column)


def _build_map(arguments: list[_Located], column: int) -> Stage:
    argument = arguments[0]
    if not isinstance(argument.value, dict):
        raise TransformerError(
            f"the argument of map at column {argument.column} must be an object of strings; "
            f"found {_kind(argument.value)}",
            argument.column,
        )
    if not argument.value:
        raise TransformerError(
            f"the object of map at column {argument.column} must have an entry", argument.column
        )
    return Map(tuple(sorted(argument.value.items())), column=column)


def _date_format_problem(format_text: str) -> str | None:
    if format_text != format_text.strip():
        return "must not start or end with a space"
    seen: set[str] = set()
    position = 0
    while position < len(format_text):
        character = format_text[position]
        if character == "%":
            directive = format_text[position + 1 : position + 2]
            if not directive:
                return "ends with a lone %"
            if directive == "%":
                position += 2
                continue
            if directive not in _DATE_DIRECTIVES:
                return f"has %{directive}, which is not allowed; {_DATE_ALLOWED}"
            if directive in seen:
                return f"uses %{directive} twice"
            seen.add(directive)
            position += 2
        elif character in _DATE_LITERALS:
            position += 1
        else:
            return f"has the character {_quote(character)}, which is not allowed; {_DATE_ALLOWED}"
    if not seen & {"Y", "y"}:
        return "needs a year (%Y or %y)"
    if seen >= {"Y", "y"}:
        return "needs one year, not both %Y and %y"
    if "j" in seen:
        return "takes %j without %m or %d" if seen & {"m", "d"} else None
    if not seen >= {"m", "d"}:
        return "needs a month and a day (%m and %d) or a day of the year (%j)"
    return None


def _build_date(arguments: list[_Located], column: int) -> Stage:
    format_text = _text_argument("date", "format", arguments[0])
    if problem := _date_format_problem(format_text):
        raise TransformerError(
            f"the date format {_quote(format_text)} at column {arguments[0].column} {problem}",
            arguments[0].column,
        )
    return Date(format_text, column=column)


def _build_phone(arguments: list[_Located], column: int) -> Stage:
    region = _text_argument("phone_e164", "region", arguments[0])
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise TransformerError(
            f"unknown region {_quote(region)} at column {arguments[0].column}; "
            'expected an ISO 3166 code such as "US"',
            arguments[0].column,
        )
    return PhoneE164(region.upper(), column=column)


@dataclass(frozen=True)
class _Grammar:
    parameters: tuple[str, ...]
    build: Callable[[list[_Located], int], Stage]


_STAGES: dict[str, _Grammar] = {
    "date": _Grammar(("format",), _build_date),
    "default": _Grammar(("text",), _build_default),
    "join": _Grammar(("separator",), _build_join),
    "lowercase": _Grammar((), lambda _, column: Lowercase(column=column)),
    "map": _Grammar(("object",), _build_map),
    "phone_e164": _Grammar(("region",), _build_phone),
    "split": _Grammar(("separator", "index"), _build_split),
    "trim": _Grammar((), lambda _, column: Trim(column=column)),
    "uppercase": _Grammar((), lambda _, column: Uppercase(column=column)),
}
# The stages that turn text into another kind of value; a pipeline has at most one.
_CONVERSIONS = (Date, PhoneE164)


class _Parser:
    """Recursive descent over a flat grammar, with no recursion at all:

    pipeline := stage ("|" stage)* | (nothing)
    stage    := name ["(" [argument ("," argument)*] ")"]
    argument := JSON string | JSON integer | flat JSON object of strings
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def error(self, message: str, position: int) -> TransformerError:
        return TransformerError(message, position + 1)

    def found(self) -> str:
        if self.position >= len(self.text):
            return "the end"
        name = _NAME.match(self.text, self.position)
        return _quote(name.group() if name else self.text[self.position], 20)

    def skip_whitespace(self) -> None:
        while self.position < len(self.text) and self.text[self.position] in _WHITESPACE:
            self.position += 1

    def peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def pipeline(self) -> tuple[Stage, ...]:
        self.skip_whitespace()
        if self.position == len(self.text):
            return ()
        stages: list[Stage] = []
        while True:
            self.skip_whitespace()
            if len(stages) == MAX_STAGES:
                raise self.error(
                    f"too many stages at column {self.position + 1}: at most {MAX_STAGES}", self.position
                )
            stages.append(self.stage())
            self.skip_whitespace()
            if self.position == len(self.text):
                return tuple(stages)
            if self.peek() != "|":
                raise self.error(
                    f'expected "|" or the end at column {self.position + 1}, found {self.found()}',
                    self.position,
                )
            self.position += 1

    def stage(self) -> Stage:
        start = self.position
        name = _NAME.match(self.text, start)
        if name is None:
            raise self.error(f"expected a stage name at column {start + 1}, found {self.found()}", start)
        self.position = name.end()
        grammar = _STAGES.get(name.group())
        if grammar is None:
            raise self.error(
                f"unknown stage {_quote(name.group(), 20)} at column {start + 1}; "
                f"known: {', '.join(_STAGES)}",
                start,
            )
        self.skip_whitespace()
        arguments = self.arguments() if self.peek() == "(" else []
        if len(arguments) != len(grammar.parameters):
            expected = (
                f"{len(grammar.parameters)} argument{'s' if len(grammar.parameters) > 1 else ''} "
                f"({', '.join(grammar.parameters)})"
                if grammar.parameters
                else "no arguments"
            )
            raise self.error(
                f"{name.group()} at column {start + 1} takes {expected}; found {len(arguments)}", start
            )
        return grammar.build(arguments, start + 1)

    def arguments(self) -> list[_Located]:
        self.position += 1  # "("
        arguments: list[_Located] = []
        self.skip_whitespace()
        if self.peek() == ")":
            self.position += 1
            return arguments
        while True:
            self.skip_whitespace()
            arguments.append(self.argument())
            self.skip_whitespace()
            character = self.peek()
            self.position += 1
            if character == ")":
                return arguments
            if character != ",":
                self.position -= 1
                raise self.error(
                    f'expected "," or ")" at column {self.position + 1}, found {self.found()}', self.position
                )

    def argument(self) -> _Located:
        start = self.position
        character = self.peek()
        if character == '"':
            return _Located(self.string(), start + 1)
        if character == "{":
            return _Located(self.object(), start + 1)
        if character and character in _NUMBER_CHARACTERS:
            return _Located(self.integer(), start + 1)
        raise self.error(
            f"expected an argument (a JSON string, integer or object) at column {start + 1}, "
            f"found {self.found()}",
            start,
        )

    def decode(
        self, start: int, end: int, hook: Callable[[list[tuple[str, object]]], object] | None = None
    ) -> object:
        """JSON for text[start:end], already isolated by a scanner; errors at the right column."""
        try:
            return json.loads(self.text[start:end], object_pairs_hook=hook)
        except json.JSONDecodeError as error:
            raise self.error(
                f"invalid JSON at column {start + error.pos + 1}: {error.msg}", start + error.pos
            ) from None

    def string(self) -> str:
        start = self.position
        position = start + 1
        while position < len(self.text):
            character = self.text[position]
            if character == "\\":
                position += 2
                continue
            if character == '"':
                break
            position += 1
        else:
            raise self.error(f"unterminated string starting at column {start + 1}", start)
        self.position = position + 1
        value = self.decode(start, self.position)
        assert isinstance(value, str)
        if _lone_surrogate(value):
            raise self.error(f"the string at column {start + 1} holds a lone surrogate (not Unicode)", start)
        return value

    def integer(self) -> int:
        start = self.position
        while self.position < len(self.text) and self.text[self.position] in _NUMBER_CHARACTERS:
            self.position += 1
        token = self.text[start : self.position]
        if not _INTEGER.fullmatch(token):
            raise self.error(f"expected an integer at column {start + 1}, found {_quote(token, 20)}", start)
        return int(token)

    def object(self) -> dict[str, str]:
        start = self.position
        position = start + 1
        in_string = False
        while position < len(self.text):
            character = self.text[position]
            if in_string:
                if character == "\\":
                    position += 2
                    continue
                in_string = character != '"'
            elif character == '"':
                in_string = True
            elif character in "{[":
                # Refused before json sees it: nesting is never needed, and never a RecursionError.
                raise self.error(
                    f"nested {'object' if character == '{' else 'array'} at column {position + 1}: "
                    "map takes a flat object of strings",
                    position,
                )
            elif character == "}":
                break
            position += 1
        else:
            raise self.error(f"unterminated object starting at column {start + 1}", start)
        self.position = position + 1
        pairs = self.decode(start, self.position, hook=lambda pairs: pairs)
        assert isinstance(pairs, list)
        if len(pairs) > MAX_MAP_ENTRIES:
            raise self.error(
                f"too many entries in the object at column {start + 1}: at most {MAX_MAP_ENTRIES}", start
            )
        entries: dict[str, str] = {}
        for key, value in pairs:
            if key in entries:
                raise self.error(f"duplicate key {_quote(key)} in the object at column {start + 1}", start)
            if not isinstance(value, str):
                raise self.error(
                    f"the value of {_quote(key)} in the object at column {start + 1} must be a string", start
                )
            if _lone_surrogate(key) or _lone_surrogate(value):
                raise self.error(
                    f"the object at column {start + 1} holds a lone surrogate (not Unicode)", start
                )
            entries[key] = value
        return entries


def _lone_surrogate(text: str) -> bool:
    return any("\ud800" <= character <= "\udfff" for character in text)


def _check_structure(stages: tuple[Stage, ...]) -> None:
    """Rules across stages, whatever the direction: each refuses a pipeline that cannot do what it says."""
    conversion: Stage | None = None
    for index, stage in enumerate(stages):
        if isinstance(stage, Join) and index > 0:
            raise TransformerError(
                f"join at column {stage.column} must be the first stage: it is the only one that reads "
                "lists, and the stages before it would pass a list through untouched",
                stage.column,
            )
        if isinstance(stage, _CONVERSIONS):
            if conversion is not None:
                raise TransformerError(
                    f"{stage.name} at column {stage.column} follows {conversion.name}: a pipeline converts "
                    "to at most one kind of value (a date or a phone number)",
                    stage.column,
                )
            conversion = stage
        if isinstance(stage, Map):
            for key, _ in stage.entries:
                if (blocker := _never_reaches(stages[:index], key)) is not None:
                    raise TransformerError(
                        f"map key {_quote(key)} at column {stage.column} can never match: "
                        f"{blocker} never gives it",
                        stage.column,
                    )


def _never_reaches(before: Sequence[Stage], key: str) -> str | None:
    """The stage (as "name (stage n)") that proves `key` never reaches the stage after `before`, or None."""
    for index in range(len(before) - 1, -1, -1):
        verdict = before[index].produces(key)
        if verdict is False:
            return _label(before[index], index)
        if verdict is True:
            return None
    return None  # the remote side can send anything


def parse(text: str) -> Pipeline:
    """The pipeline a transformer text describes ("" or blanks: no stage); TransformerError otherwise."""
    if len(text) > MAX_LENGTH:
        raise TransformerError(
            f"the transformer is too long at column {MAX_LENGTH + 1}: at most {MAX_LENGTH:,} characters, "
            f"found {len(text):,}",
            MAX_LENGTH + 1,
        )
    for position, character in enumerate(text):
        if _lone_surrogate(character):
            raise TransformerError(
                f"invalid character at column {position + 1}: a lone surrogate", position + 1
            )
    stages = _Parser(text).pipeline()
    _check_structure(stages)
    return Pipeline(stages)
