"""Key generation and hashing, and AES-256-GCM encryption of stored secrets under a versioned keyring.

The keyring is one secret, `ENCRYPTION_KEYS`: comma-separated `<version>:<base64 of 32 bytes>` entries,
the first one current. New ciphertexts use the current key; old ones name their key version, so a key
can be rotated by putting a new entry first and re-encrypting at leisure.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.errors import FailedPrecondition, Internal

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
NONCE_BYTES = 12
CIPHERTEXT_FORMAT = "aesgcm"


def base58(data: bytes) -> str:
    """Bitcoin-alphabet base58: no 0/O/I/l to misread, no symbols to escape in URLs or shells."""
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(BASE58_ALPHABET[remainder])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(digits))


def random_token(prefix: str, random_bytes: int = 32) -> str:
    """`prefix` followed by `random_bytes` bytes from the OS CSPRNG, base58-encoded."""
    return prefix + base58(secrets.token_bytes(random_bytes))


def sha256_hex(value: str) -> str:
    """SHA-256 of a high-entropy secret: right for random keys, wrong for passwords."""
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Keyring:
    current_version: str
    keys: dict[str, bytes]


def parse_keyring(raw: str) -> Keyring:
    keys: dict[str, bytes] = {}
    current = ""
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        version, sep, encoded = entry.partition(":")
        if not sep or not version:
            raise FailedPrecondition("ENCRYPTION_KEYS entries must look like <version>:<base64 key>")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise FailedPrecondition(f"encryption key {version} is not base64") from None
        if len(key) != 32:
            raise FailedPrecondition(f"encryption key {version} must be 32 bytes")
        keys[version] = key
        current = current or version
    if not keys:
        raise FailedPrecondition("ENCRYPTION_KEYS is empty")
    return Keyring(current_version=current, keys=keys)


@functools.cache
def _keyring() -> Keyring:
    # Read on first use: in production the SecretParam is exposed to the function as this environment
    # variable; under the emulator it comes from `.secret.local`, in tests from the environment.
    raw = os.environ.get("ENCRYPTION_KEYS", "")
    if not raw:
        raise FailedPrecondition("ENCRYPTION_KEYS is not configured")
    return parse_keyring(raw)


def current_key_version() -> str:
    return _keyring().current_version


def reset_keyring() -> None:
    _keyring.cache_clear()


def encrypt(plaintext: str, *, associated_data: str = "") -> str:
    """`aesgcm:<version>:<base64 nonce + ciphertext>`; `associated_data` binds it to its owner's path."""
    keyring = _keyring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keyring.keys[keyring.current_version]).encrypt(
        nonce, plaintext.encode(), associated_data.encode()
    )
    encoded = base64.b64encode(nonce + sealed).decode()
    return f"{CIPHERTEXT_FORMAT}:{keyring.current_version}:{encoded}"


def decrypt(envelope: str, *, associated_data: str = "") -> str:
    keyring = _keyring()
    try:
        scheme, version, encoded = envelope.split(":", 2)
        if scheme != CIPHERTEXT_FORMAT:
            raise ValueError(scheme)
        blob = base64.b64decode(encoded)
        key = keyring.keys[version]
        plaintext = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated_data.encode())
    except Exception as error:
        # Never echo the envelope: the message must not help an attacker.
        raise Internal("a stored secret could not be decrypted") from error
    return plaintext.decode()


# A secret shorter than this shows nothing at all; a longer one at most its last 4 characters.
MASK_MIN_LENGTH = 16
MASK_VISIBLE = 4


def mask(secret: str) -> str:
    """What an answer shows of a secret (API keys excepted: they keep the seed's first 4 and last 4 of
    44 random characters): `…WxYz`, or `…` alone when the secret is shorter than 16 characters. Showing
    both ends of a 9-character password would show 89 % of it."""
    if len(secret) < MASK_MIN_LENGTH:
        return "…"
    return "…" + secret[-MASK_VISIBLE:]
