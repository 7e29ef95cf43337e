"""Opaque list cursors: a (timestamp, document id) position, base64url JSON, refused when forged."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from shared import errors


def encode_cursor(moment: datetime, document_id: str) -> str:
    raw = json.dumps({"at": moment.isoformat(), "id": document_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
        moment = datetime.fromisoformat(position["at"])
        document_id = position["id"]
        if not isinstance(document_id, str) or moment.tzinfo is None:
            raise ValueError("bad cursor")
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise errors.InvalidArgument("cursor is not one this function gave out", field="cursor") from None
    return moment, document_id
