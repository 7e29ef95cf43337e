"""Idempotency records of the public API: claimed with create(), retaken only with a precondition on
the version read, so exactly one request holds a claim at any time."""

from __future__ import annotations

from datetime import datetime

from shared import errors
from shared.models.public_api import IdempotencyRecordDoc, IdempotencyState
from shared.store import paths
from shared.store.client import db, from_snapshot, translated_errors


def claim(team_id: str, key_id: str, record: IdempotencyRecordDoc) -> bool:
    """Create the record; False when it exists (another request holds or held the key)."""
    try:
        with translated_errors():
            db().document(paths.idempotency_record(team_id, key_id, record.id)).create(record.to_firestore())
    except errors.AlreadyExists:
        return False
    return True


def read(team_id: str, key_id: str, record_id: str) -> tuple[IdempotencyRecordDoc, datetime] | None:
    """The record and the time it was last written (the version a retake is conditioned on)."""
    with translated_errors():
        snapshot = db().document(paths.idempotency_record(team_id, key_id, record_id)).get()
    if not snapshot.exists or snapshot.update_time is None:
        return None
    return from_snapshot(IdempotencyRecordDoc, snapshot), snapshot.update_time


def retake(team_id: str, key_id: str, record: IdempotencyRecordDoc, version: datetime) -> bool:
    """Replace the record only if nobody wrote it since `version`; False when somebody did."""
    client = db()
    try:
        with translated_errors():
            # `update` takes a precondition (`set` does not); every field of the record is given.
            client.document(paths.idempotency_record(team_id, key_id, record.id)).update(
                record.to_firestore(), option=client.write_option(last_update_time=version)
            )
    except (errors.FailedPrecondition, errors.Aborted, errors.NotFound):
        return False
    return True


def complete(
    team_id: str, key_id: str, record_id: str, status: int, body: str, headers: dict[str, str]
) -> None:
    with translated_errors():
        db().document(paths.idempotency_record(team_id, key_id, record_id)).update(
            {"state": IdempotencyState.COMPLETED.value, "status": status, "body": body, "headers": headers}
        )


def release(team_id: str, key_id: str, record_id: str) -> None:
    """Forget a claim whose work failed without an answer worth replaying: a retry runs again."""
    with translated_errors():
        db().document(paths.idempotency_record(team_id, key_id, record_id)).delete()
