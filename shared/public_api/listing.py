"""One page of a `/v1` list ordered by (updatedAt, id): the cursor bound to the list's filters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from shared import errors
from shared.ids import digest
from shared.models.base import PublicModel
from shared.pagination import decode_cursor, page_of
from shared.public_api.problems import invalid


class Dated(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def updated_at(self) -> datetime | None: ...


DocT = TypeVar("DocT", bound=Dated)
PublicT = TypeVar("PublicT", bound=PublicModel)


def position(doc: Dated) -> tuple[datetime, str]:
    # Lists are queries ordered by updatedAt, which Firestore answers only with documents that have it.
    if doc.updated_at is None:
        raise errors.Internal("a listed record has no updatedAt")
    return doc.updated_at, doc.id


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def scope_of(list_name: str, filters: Sequence[object]) -> str:
    """What a cursor of this list with these filters is bound to (the GraphQL API's cursors share it)."""
    return digest(list_name, *(_text(value) for value in filters), length=16)


def page(
    list_name: str,
    filters: Sequence[object],
    limit: int,
    cursor: str | None,
    fetch: Callable[[tuple[datetime, str] | None, int], Sequence[DocT]],
    to_public: Callable[[DocT], PublicT],
) -> dict[str, Any]:
    """`{items, nextCursor}`: `fetch(after, limit + 1)` reads the documents after the cursor's position;
    a cursor given out for other filters (or another list) is refused, pointing at `cursor`."""
    scope = scope_of(list_name, filters)
    after = None
    if cursor is not None:
        try:
            after = decode_cursor(cursor, scope)
        except errors.InvalidArgument as error:
            raise invalid(error.message, "#/query/cursor") from None
    docs = fetch(after, limit + 1)
    return page_of(docs, limit, to_public, position, scope).to_wire()
