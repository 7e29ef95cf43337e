"""Sealed secrets documents under `secrets/`: ciphertexts only, server only (see shared/sealed.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.store.client import db, translated_errors


def get_sealed(path: str) -> dict[str, str]:
    """The ciphertexts stored at a `secrets/...` path ({} when there is none)."""
    with translated_errors():
        snapshot = db().document(path).get()
    return sealed_of(snapshot.to_dict())


def sealed_of(data: dict[str, Any] | None) -> dict[str, str]:
    """The ciphertexts of a `secrets/...` document read elsewhere ({} for none)."""
    encrypted = (data or {}).get("encrypted") or {}
    return {str(name): str(value) for name, value in encrypted.items()}


def put_sealed(path: str, encrypted: dict[str, str], key_version: str) -> None:
    with translated_errors():
        db().document(path).set(
            {"encrypted": encrypted, "keyVersion": key_version, "updatedAt": datetime.now(UTC)}
        )


def delete_document(path: str) -> None:
    with translated_errors():
        db().document(path).delete()
