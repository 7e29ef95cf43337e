"""Key generation, hashing, and AES-GCM encryption of stored secrets under a rotating keyring."""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import crypto
from shared.errors import FailedPrecondition, Internal, to_wire


def key_entry(version: str, fill: bytes) -> str:
    return f"{version}:{base64.b64encode(fill * 32).decode()}"


# Bitcoin's alphabet, spelled out here rather than read from the product.
BITCOIN_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58_decode(text: str) -> bytes:
    """The inverse of crypto.base58, written independently of it."""
    number = 0
    for character in text:
        number = number * 58 + BITCOIN_ALPHABET.index(character)
    leading_ones = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_ones + body


@pytest.fixture
def keyring_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A keyring holding only v1; the cached keyring is dropped before and after the test."""
    monkeypatch.setenv("ENCRYPTION_KEYS", key_entry("v1", b"1"))
    crypto.reset_keyring()
    yield monkeypatch
    crypto.reset_keyring()


# --- base58 ---------------------------------------------------------------------------------------


def test_base58_round_trips_random_bytes() -> None:
    generator = random.Random(58)
    # Some samples start with zero bytes, which base58 must keep as leading "1"s.
    samples = [b"", b"\0", b"\xff", b"\0\0\1"] + [
        b"\0" * generator.choice([0, 0, 1, 3]) + generator.randbytes(generator.randint(0, 64))
        for _ in range(500)
    ]

    for data in samples:
        assert base58_decode(crypto.base58(data)) == data, data


def test_base58_matches_the_bitcoin_vectors() -> None:
    assert crypto.base58(b"hello world") == "StV1DL6CwTryKyV"
    assert crypto.base58(bytes.fromhex("0000287fb4cd")) == "11233QC4"


def test_base58_keeps_each_leading_zero_byte_as_a_one() -> None:
    assert crypto.base58(b"\0\0\0") == "111"
    assert crypto.base58(b"\0\0\x01") == "112"
    assert crypto.base58(b"\0" + b"\xff" * 8).startswith("1")
    assert not crypto.base58(b"\xff" * 8).startswith("1")


def test_base58_alphabet_has_no_misreadable_characters() -> None:
    assert crypto.BASE58_ALPHABET == BITCOIN_ALPHABET
    assert len(crypto.BASE58_ALPHABET) == 58
    assert len(set(crypto.BASE58_ALPHABET)) == 58
    assert set(crypto.BASE58_ALPHABET).isdisjoint("0OIl")
    assert crypto.BASE58_ALPHABET.isalnum()


# --- tokens and hashes ----------------------------------------------------------------------------


def test_random_token_has_the_prefix_and_the_length_of_32_bytes_in_base58() -> None:
    for _ in range(200):
        token = crypto.random_token("jk_live_")

        assert token.startswith("jk_live_")
        body = token.removeprefix("jk_live_")
        assert 43 <= len(body) <= 44, token
        assert set(body) <= set(BITCOIN_ALPHABET)
        assert len(base58_decode(body)) == 32


def test_random_tokens_do_not_repeat() -> None:
    tokens = {crypto.random_token("jk_live_") for _ in range(2000)}

    assert len(tokens) == 2000


def test_random_token_honours_the_byte_count() -> None:
    assert len(base58_decode(crypto.random_token("", 16))) == 16


def test_sha256_hex_matches_the_known_vectors() -> None:
    assert crypto.sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert crypto.sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# --- encryption -----------------------------------------------------------------------------------


def test_encrypt_then_decrypt_gives_the_plaintext_back(keyring_env: pytest.MonkeyPatch) -> None:
    plaintext = "xoxb-slack-token-ünïcode"

    envelope = crypto.encrypt(plaintext, associated_data="teams/a/connections/slack")

    assert envelope.startswith("aesgcm:v1:")
    assert plaintext not in envelope
    assert crypto.decrypt(envelope, associated_data="teams/a/connections/slack") == plaintext


def test_decrypting_under_other_associated_data_fails_without_echoing_the_envelope(
    keyring_env: pytest.MonkeyPatch,
) -> None:
    plaintext = "xoxb-plaintext-token"
    envelope = crypto.encrypt(plaintext, associated_data="teams/a/connections/slack")

    with pytest.raises(Internal) as raised:
        crypto.decrypt(envelope, associated_data="teams/b/connections/slack")

    encoded = envelope.split(":", 2)[2]
    for text in (str(raised.value), raised.value.message, str(to_wire(raised.value))):
        assert envelope not in text
        assert encoded not in text
        assert plaintext not in text


def test_a_tampered_ciphertext_does_not_decrypt(keyring_env: pytest.MonkeyPatch) -> None:
    envelope = crypto.encrypt("secret")
    scheme, version, encoded = envelope.split(":", 2)
    blob = bytearray(base64.b64decode(encoded))
    blob[-1] ^= 0x01
    tampered = f"{scheme}:{version}:{base64.b64encode(bytes(blob)).decode()}"

    with pytest.raises(Internal):
        crypto.decrypt(tampered)


@pytest.mark.parametrize(
    "envelope",
    [
        "",
        "aesgcm",
        "aesgcm:v1",
        "rot13:v1:AAAA",
        "aesgcm:v9:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "aesgcm:v1:@@",
    ],
)
def test_malformed_envelopes_fail_as_internal(keyring_env: pytest.MonkeyPatch, envelope: str) -> None:
    with pytest.raises(Internal):
        crypto.decrypt(envelope)


def test_two_encryptions_of_the_same_plaintext_differ(keyring_env: pytest.MonkeyPatch) -> None:
    first = crypto.encrypt("same")
    second = crypto.encrypt("same")

    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "same"


def test_rotation_keeps_old_ciphertexts_readable_and_writes_new_ones_under_the_new_key(
    keyring_env: pytest.MonkeyPatch,
) -> None:
    old = crypto.encrypt("before rotation", associated_data="path")

    keyring_env.setenv("ENCRYPTION_KEYS", f"{key_entry('v2', b'2')},{key_entry('v1', b'1')}")
    crypto.reset_keyring()
    new = crypto.encrypt("after rotation", associated_data="path")

    assert old.startswith("aesgcm:v1:")
    assert new.startswith("aesgcm:v2:")
    assert crypto.decrypt(old, associated_data="path") == "before rotation"
    assert crypto.decrypt(new, associated_data="path") == "after rotation"


def test_a_ciphertext_whose_key_was_retired_no_longer_decrypts(keyring_env: pytest.MonkeyPatch) -> None:
    old = crypto.encrypt("before rotation")

    keyring_env.setenv("ENCRYPTION_KEYS", key_entry("v2", b"2"))
    crypto.reset_keyring()

    with pytest.raises(Internal):
        crypto.decrypt(old)


def test_a_missing_keyring_is_a_failed_precondition(keyring_env: pytest.MonkeyPatch) -> None:
    keyring_env.delenv("ENCRYPTION_KEYS")
    crypto.reset_keyring()

    with pytest.raises(FailedPrecondition):
        crypto.encrypt("anything")


# --- keyring parsing ------------------------------------------------------------------------------


def test_parse_keyring_takes_the_first_entry_as_current() -> None:
    keyring = crypto.parse_keyring(f" {key_entry('v3', b'3')} , {key_entry('v2', b'2')},")

    assert keyring.current_version == "v3"
    assert keyring.keys == {"v3": b"3" * 32, "v2": b"2" * 32}


@pytest.mark.parametrize(
    "raw",
    [
        "v1:" + base64.b64encode(b"k" * 31).decode(),
        "v1:" + base64.b64encode(b"k" * 33).decode(),
        "v1:" + base64.b64encode(b"k" * 16).decode(),
    ],
    ids=["31 bytes", "33 bytes", "16 bytes"],
)
def test_parse_keyring_refuses_a_key_of_the_wrong_length(raw: str) -> None:
    with pytest.raises(FailedPrecondition):
        crypto.parse_keyring(raw)


@pytest.mark.parametrize("raw", ["", " ", ",", " , ,"])
def test_parse_keyring_refuses_an_empty_keyring(raw: str) -> None:
    with pytest.raises(FailedPrecondition):
        crypto.parse_keyring(raw)


@pytest.mark.parametrize(
    "raw",
    ["v1", base64.b64encode(b"k" * 32).decode(), ":" + base64.b64encode(b"k" * 32).decode()],
    ids=["no key", "no version", "empty version"],
)
def test_parse_keyring_refuses_an_entry_without_version_and_key(raw: str) -> None:
    with pytest.raises(FailedPrecondition):
        crypto.parse_keyring(raw)


@pytest.mark.parametrize("encoded", ["abc", "not-base64!", "a"], ids=["bad padding", "symbols", "one char"])
def test_parse_keyring_refuses_a_key_that_is_not_base64(encoded: str) -> None:
    with pytest.raises(FailedPrecondition):
        crypto.parse_keyring(f"v1:{encoded}")


def test_parse_keyring_messages_do_not_echo_the_key() -> None:
    raw = "v1:" + base64.b64encode(b"k" * 31).decode()

    with pytest.raises(FailedPrecondition) as raised:
        crypto.parse_keyring(raw)

    assert raw.split(":", 1)[1] not in str(raised.value)


# --- masking --------------------------------------------------------------------------------------


def test_mask_shows_at_most_the_last_four_characters() -> None:
    assert crypto.mask("0123456789abcdef") == "…cdef"
    assert crypto.mask("ya29.a0AfH6SMBx-long-access-token-Qz9x") == "…Qz9x"


@pytest.mark.parametrize("secret", ["", "short", "hunter2!!", "fifteen-chars!!"])
def test_mask_hides_a_secret_shorter_than_sixteen_characters_entirely(secret: str) -> None:
    assert crypto.mask(secret) == "…"


@given(st.text(min_size=0, max_size=200))
def test_a_mask_never_reveals_more_than_a_quarter_of_any_secret(secret: str) -> None:
    shown = crypto.mask(secret).removeprefix("…")

    assert len(shown) * 4 <= len(secret)
    assert secret.endswith(shown)
