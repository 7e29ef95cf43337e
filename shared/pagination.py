"""Opaque list cursors: a (timestamp, document id) position, base64url JSON, refused when forged.

A list whose filters shape the pages gives a `scope` (a digest of its filters): its cursors carry it
and are refused with other filters (AIP-158: a page token comes back with the same request)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from shared import errors
from shared.models.base import Page, PublicModel, is_usable_document_id

DocT = TypeVar("DocT")
PublicT = TypeVar("PublicT", bound=PublicModel)


def encode_cursor(moment: datetime, document_id: str, scope: str | None = None) -> str:
    position = {"at": moment.isoformat(), "id": document_id}
    if scope is not None:
        position["for"] = scope
    raw = json.dumps(position).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str | None = None) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
        moment = datetime.fromisoformat(position["at"])
        document_id = position["id"]
        # A forged cursor must not reach Firestore with an id it refuses (`..`, `__x__`).
        if not isinstance(document_id, str) or not is_usable_document_id(document_id):
            raise ValueError("bad cursor")
        if moment.tzinfo is None:
            raise ValueError("bad cursor")
        if position.get("for") != scope:
            raise ValueError("cursor of another list")
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise errors.InvalidArgument(
            "cursor is not one this list gave out with these filters", field="cursor"
        ) from None
    return moment, document_id


def page_of(
    docs: Sequence[DocT],
    limit: int,
    to_public: Callable[[DocT], PublicT],
    position: Callable[[DocT], tuple[datetime, str]],
    scope: str | None = None,
) -> Page[PublicT]:
    """A page from `limit + 1` documents: the extra one only says that another page exists."""
    page = docs[:limit]
    next_cursor = encode_cursor(*position(page[-1]), scope) if len(docs) > limit and page else None
    return Page[PublicT](items=[to_public(doc) for doc in page], next_cursor=next_cursor)
