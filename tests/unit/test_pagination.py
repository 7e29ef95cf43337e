"""List cursors: opaque tokens that round-trip a (timestamp, id) position and refuse anything else."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.errors import InvalidArgument, to_wire
from shared.pagination import decode_cursor, encode_cursor


def token(payload: object) -> str:
    """A cursor-shaped token around any JSON value, encoded the way the product encodes its own."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("key_id", "created_at"),
    [
        ("Xy7_k-9", datetime(2030, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)),
        ("a", datetime(2024, 2, 29, tzinfo=UTC)),
        ("k" * 128, datetime(2031, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-7)))),
    ],
)
def test_a_cursor_round_trips_the_position(key_id: str, created_at: datetime) -> None:
    cursor = encode_cursor(created_at, key_id)

    decoded_at, decoded_id = decode_cursor(cursor)

    assert decoded_id == key_id
    assert decoded_at == created_at
    assert decoded_at.tzinfo is not None


def test_a_scoped_cursor_is_refused_in_another_scope_and_without_one() -> None:
    moment = datetime(2030, 1, 1, tzinfo=UTC)
    scoped = encode_cursor(moment, "c1", "filters-a")

    assert decode_cursor(scoped, "filters-a") == (moment, "c1")
    for scope in ("filters-b", None):
        with pytest.raises(InvalidArgument):
            decode_cursor(scoped, scope)
    with pytest.raises(InvalidArgument):
        decode_cursor(encode_cursor(moment, "c1"), "filters-a")


def test_a_cursor_is_url_safe_and_unpadded() -> None:
    cursor = encode_cursor(datetime(2030, 1, 1, tzinfo=UTC), "key-1")

    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_a_cursor_fits_the_input_bound() -> None:
    cursor = encode_cursor(datetime(2030, 1, 1, tzinfo=UTC), "k" * 128)

    assert len(cursor) <= 512


BAD_CURSORS = [
    ("garbage", "!!!not a cursor!!!"),
    ("non-ascii", "curs\u00f6r"),
    ("base64 of text", base64.urlsafe_b64encode(b"hello world").decode()),
    ("base64 of invalid utf-8", base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode()),
    ("JSON list", token(["2030-01-01T00:00:00+00:00", "key-1"])),
    ("JSON string", token("key-1")),
    ("JSON number", token(7)),
    ("JSON null", token(None)),
    ("no id", token({"at": "2030-01-01T00:00:00+00:00"})),
    ("no timestamp", token({"id": "key-1"})),
    ("id a number", token({"at": "2030-01-01T00:00:00+00:00", "id": 7})),
    ("id null", token({"at": "2030-01-01T00:00:00+00:00", "id": None})),
    ("timestamp a number", token({"at": 1_893_456_000, "id": "key-1"})),
    ("timestamp not a date", token({"at": "yesterday", "id": "key-1"})),
    ("naive timestamp", token({"at": "2030-01-01T00:00:00", "id": "key-1"})),
    ("date only", token({"at": "2030-01-01", "id": "key-1"})),
    # Ids Firestore refuses: a forged cursor must not turn into its error (a 500).
    ("id ..", token({"at": "2030-01-01T00:00:00+00:00", "id": ".."})),
    ("id .", token({"at": "2030-01-01T00:00:00+00:00", "id": "."})),
    ("id __x__", token({"at": "2030-01-01T00:00:00+00:00", "id": "__x__"})),
    ("id with a slash", token({"at": "2030-01-01T00:00:00+00:00", "id": "a/b"})),
    ("empty id", token({"at": "2030-01-01T00:00:00+00:00", "id": ""})),
    ("id over 1,500 bytes", token({"at": "2030-01-01T00:00:00+00:00", "id": "k" * 1501})),
]


@pytest.mark.parametrize("cursor", [c[1] for c in BAD_CURSORS], ids=[c[0] for c in BAD_CURSORS])
def test_a_cursor_not_given_out_here_is_invalid_argument_on_cursor(cursor: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        decode_cursor(cursor)

    assert raised.value.field == "cursor"
    assert cursor not in str(to_wire(raised.value))
