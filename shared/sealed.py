"""Secrets at rest: a set of named secrets sealed together for one owner document.

Each value is encrypted with AES-256-GCM (shared.crypto) with the owner's path and the secret's name
as associated data, each with its length, so a ciphertext copied to another owner or field does not
decrypt, and no owner-and-name pair spells another's.
"""

from __future__ import annotations

from shared import crypto, ids

# Bumped when the associated data's form changes: a ciphertext sealed under another form never opens.
ASSOCIATED_DATA_FORM = "sealed-v2"


def _associated_data(owner: str, name: str) -> str:
    return ids.length_prefixed(ASSOCIATED_DATA_FORM, owner, name)


def seal(owner: str, secrets: dict[str, str]) -> tuple[dict[str, str], str]:
    """({name: ciphertext}, the key version used)."""
    encrypted = {
        name: crypto.encrypt(value, associated_data=_associated_data(owner, name))
        for name, value in secrets.items()
    }
    return encrypted, crypto.current_key_version()


def unseal(owner: str, encrypted: dict[str, str]) -> dict[str, str]:
    return {
        name: crypto.decrypt(ciphertext, associated_data=_associated_data(owner, name))
        for name, ciphertext in encrypted.items()
    }
