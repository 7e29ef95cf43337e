"""Base classes for every model: camelCase on the wire, strict inputs, ISO-8601 timestamps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel


def _iso_text_only(value: object) -> object:
    # Lax datetime parsing also takes Unix epochs (numbers, or digits in a string); on the wire a
    # timestamp is ISO-8601 text, so anything else is refused before pydantic parses it.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or value.strip().lstrip("-").replace(".", "", 1).isdigit():
        raise ValueError("must be an ISO-8601 timestamp with an offset, like 2027-01-31T12:00:00Z")
    return value


# Timestamps arrive as ISO-8601 strings with an offset and leave as ISO-8601 in UTC. Strict models
# would refuse the string form, so timestamps alone are validated in lax mode, text only.
Timestamp = Annotated[AwareDatetime, Strict(False), BeforeValidator(_iso_text_only)]


# Firestore document ids we generate or accept from callers: letters, digits, `_` and `-` (no slashes,
# no dots, so never `.` or `..`), bounded, and never `__...__`, which Firestore reserves.
def refuse_reserved_ids(document_id: str) -> str:
    if not is_usable_document_id(document_id):
        raise ValueError("ids of the form __...__ are reserved")
    return document_id


DocumentId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$"),
    AfterValidator(refuse_reserved_ids),
]


def is_usable_document_id(document_id: str) -> bool:
    """Whether Firestore takes this as a document id (its own rules, broader than DocumentId's)."""
    return (
        0 < len(document_id.encode()) <= 1500
        and "/" not in document_id
        and document_id not in {".", ".."}
        and not (document_id.startswith("__") and document_id.endswith("__"))
    )


TeamId = DocumentId

# Cursor tokens are opaque to callers; bounded so a huge one is refused before it is decoded.
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=512)]


class InputModel(BaseModel):
    """What a caller sends: camelCase only, unknown fields refused, no type coercion."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        defer_build=True,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        extra="forbid",
        strict=True,
        str_strip_whitespace=True,
        frozen=True,
    )


class StoredModel(BaseModel):
    """A Firestore document (`<Noun>Doc`): camelCase fields, unknown fields kept for forward compatibility."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        defer_build=True,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        extra="ignore",
    )

    def to_firestore(self) -> dict[str, Any]:
        """The document body: camelCase, datetimes kept as datetimes (Firestore timestamps)."""
        return self.model_dump(by_alias=True, exclude={"id"} if "id" in type(self).model_fields else None)


class PublicModel(BaseModel):
    """What a caller receives (`<Noun>Public`): camelCase JSON, timestamps as ISO-8601 strings."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        defer_build=True,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        extra="forbid",
    )

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


ItemT = TypeVar("ItemT", bound=PublicModel)


class Page(PublicModel, Generic[ItemT]):
    """One page of a list: the items and an opaque cursor for the next page (null on the last)."""

    items: list[ItemT]
    next_cursor: str | None = None


# Field constraints shared by several models.
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=2000)]
ListLimit = Annotated[int, Field(ge=1, le=100)]


# Validators every `<Noun>Update` shares: assign them in the class body.


def not_null(*fields: str) -> Any:
    """Absent means "leave as is"; null is refused for these fields (it would mean nothing)."""

    def check(cls: type[BaseModel], value: object) -> object:
        if value is None:
            raise ValueError("may be left out but not null")
        return value

    return field_validator(*fields, mode="before")(check)


def requires_a_change(*identity: str) -> Any:
    """An update must change something besides the fields that name what it updates."""

    def check(self: BaseModel) -> BaseModel:
        if not (self.model_fields_set - set(identity)):
            changeable = [
                field.alias or name for name, field in type(self).model_fields.items() if name not in identity
            ]
            raise ValueError(f"give at least one of {', '.join(changeable)}")
        return self

    return model_validator(mode="after")(check)
