"""Ids and keys built from several parts, each one unambiguous: no two different tuples of parts give
the same result, whatever characters the parts hold.

A review of wave 1 found `secrets/oauth_{teamId}_{provider}_{userId}` shared by team `X` (user
`google_u1`) and team `X_google` (user `u1`): joining with a separator that may occur inside the parts
is not injective. Paths now keep each part in its own segment (`shared/store/paths.py`); where one string
must hold several parts, these helpers encode them.
"""

from __future__ import annotations

import hashlib
import re

# What an id segment may hold unescaped; everything else is written `_xx` (hex of each UTF-8 byte), and
# `_` itself is `_5f`, so the encoding reverses and two different texts never meet.
_PLAIN = re.compile(r"[A-Za-z0-9-]")


def length_prefixed(*parts: str) -> str:
    """`3:abc|2:de`: each part with its length, so the parts can be read back exactly (injective)."""
    return "|".join(f"{len(part)}:{part}" for part in parts)


def digest(*parts: str, length: int = 40) -> str:
    """A hex SHA-256 of the parts, length-prefixed: the same parts, the same digest; no accidental
    meeting of different tuples (`("a_b", "c")` and `("a", "b_c")` differ)."""
    return hashlib.sha256(length_prefixed(*parts).encode()).hexdigest()[:length]


def escape_segment(text: str) -> str:
    """`alice@example.com` -> `alice_40example_2ecom`: a reversible spelling in letters, digits, `-`
    and `_`, usable inside a document id."""
    return "".join(
        character if _PLAIN.fullmatch(character) else "".join(f"_{byte:02x}" for byte in character.encode())
        for character in text
    )


def unescape_segment(escaped: str) -> str:
    """The inverse of `escape_segment`."""
    raw = bytearray()
    index = 0
    while index < len(escaped):
        if escaped[index] == "_":
            raw.append(int(escaped[index + 1 : index + 3], 16))
            index += 3
        else:
            raw.extend(escaped[index].encode())
            index += 1
    return raw.decode()
