"""Opaque list cursors: a (timestamp, document id) position, base64url JSON, refused when forged."""

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


def encode_cursor(moment: datetime, document_id: str) -> str:
    raw = json.dumps({"at": moment.isoformat(), "id": document_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
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
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise errors.InvalidArgument("cursor is not one this function gave out", field="cursor") from None
    return moment, document_id


def page_of(
    docs: Sequence[DocT],
    limit: int,
    to_public: Callable[[DocT], PublicT],
    position: Callable[[DocT], tuple[datetime, str]],
) -> Page[PublicT]:
    """A page from `limit + 1` documents: the extra one only says that another page exists."""
    page = docs[:limit]
    next_cursor = encode_cursor(*position(page[-1])) if len(docs) > limit and page else None
    return Page[PublicT](items=[to_public(doc) for doc in page], next_cursor=next_cursor)
