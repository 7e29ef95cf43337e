"""OAuth: connections, their sealed tokens, pending states, refresh leases, custom providers."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from google.api_core import exceptions as google_errors
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.models.oauth import (
    ConnectionStatus,
    CustomProviderDoc,
    OAuthConnectionDoc,
    OAuthProvider,
    OAuthStateDoc,
)
from shared.models.sweeps import DueItem
from shared.store import paging, paths
from shared.store.client import db, from_snapshot, translated_errors

# ---------------------------------------------------------------- states


def put_state(state_hash: str, state: OAuthStateDoc) -> None:
    with translated_errors():
        db().document(paths.oauth_state(state_hash)).create(state.to_firestore())


def get_state(state_hash: str) -> tuple[OAuthStateDoc, datetime] | None:
    """A pending state and its version (its update time), for a write that must not race another."""
    with translated_errors():
        snapshot = db().document(paths.oauth_state(state_hash)).get()
    if not snapshot.exists or snapshot.update_time is None:
        return None
    return OAuthStateDoc.model_validate(snapshot.to_dict()), snapshot.update_time


def mark_state_launched(
    state_hash: str, version: datetime, browser_binding_hash: str, launched_at: datetime
) -> bool:
    """Record the launch of a pending state, only if it is still the version read: of two launches
    at once, one wins; False for the other, or when the state was used meanwhile."""
    ref = db().document(paths.oauth_state(state_hash))
    with translated_errors():
        try:
            ref.update(
                {"launchedAt": launched_at, "browserBindingHash": browser_binding_hash},
                option=db().write_option(last_update_time=version),
            )
        except (google_errors.FailedPrecondition, google_errors.NotFound):
            return False
    return True


def claim_state(state_hash: str) -> OAuthStateDoc | None:
    """Take a pending state exactly once: read it, then delete it only if nobody did meanwhile."""
    ref = db().document(paths.oauth_state(state_hash))
    with translated_errors():
        snapshot = ref.get()
    if not snapshot.exists:
        return None
    try:
        ref.delete(option=db().write_option(last_update_time=snapshot.update_time))
    except (google_errors.FailedPrecondition, google_errors.NotFound):
        return None  # another request used it first
    return OAuthStateDoc.model_validate(snapshot.to_dict())


# ---------------------------------------------------------------- connections


def _connection(snapshot: firestore.DocumentSnapshot[Any], team_id: str) -> OAuthConnectionDoc:
    return from_snapshot(OAuthConnectionDoc, snapshot, teamId=team_id)


def get_connection(team_id: str, oauth_id: str) -> OAuthConnectionDoc | None:
    with translated_errors():
        snapshot = db().document(paths.oauth_connection(team_id, oauth_id)).get()
    return _connection(snapshot, team_id) if snapshot.exists else None


def put_connection(connection: OAuthConnectionDoc) -> None:
    body = connection.to_firestore()
    body.pop("teamId", None)
    with translated_errors():
        db().document(paths.oauth_connection(connection.team_id, connection.id)).set(body)


def update_connection(team_id: str, oauth_id: str, fields: dict[str, Any]) -> None:
    with translated_errors():
        db().document(paths.oauth_connection(team_id, oauth_id)).update(fields)


def user_connections(
    team_id: str, provider: OAuthProvider, user_id: str, limit: int
) -> list[OAuthConnectionDoc]:
    """A user's connections to one kind of provider (equality filters only: no composite index)."""
    query = (
        db()
        .collection(paths.oauth_connections(team_id))
        .where(filter=FieldFilter("provider", "==", provider.value))
        .where(filter=FieldFilter("userId", "==", user_id))
        .limit(limit)
    )
    with translated_errors():
        return [_connection(snapshot, team_id) for snapshot in query.stream()]


_ACTIVE = ("status", ConnectionStatus.ACTIVE.value)


def connections_expiring(due_by: datetime, after: DueItem | None, limit: int) -> list[DueItem]:
    """A page of active connections whose token expires by `due_by` (index: status, expiresAt)."""
    return paging.due_page(paths.OAUTH_TOKENS, "expiresAt", due_by, after, limit, equal=_ACTIVE)


def connections_idle(refreshed_by: datetime, after: DueItem | None, limit: int) -> list[DueItem]:
    """A page of active connections last refreshed by `refreshed_by` (index: status, lastRefreshedAt)."""
    return paging.due_page(paths.OAUTH_TOKENS, "lastRefreshedAt", refreshed_by, after, limit, equal=_ACTIVE)


# ---------------------------------------------------------------- refresh leases


def take_lease(team_id: str, oauth_id: str, holder: str, ttl: timedelta) -> bool:
    """Become the one refresher of the connection; False while someone else holds a live lease."""
    ref = db().document(paths.oauth_lease(team_id, oauth_id))
    now = datetime.now(UTC)
    body = {"holder": holder, "expiresAt": now + ttl, "expireAt": now + timedelta(days=1)}
    try:
        ref.create(body)
        return True
    except google_errors.AlreadyExists:
        pass
    snapshot = ref.get()
    data = snapshot.to_dict() or {}
    expires_at = data.get("expiresAt")
    if snapshot.exists and isinstance(expires_at, datetime) and expires_at > now:
        return False
    # An expired lease (its holder died): remove exactly that one, then compete for a new one.
    try:
        if snapshot.exists:
            ref.delete(option=db().write_option(last_update_time=snapshot.update_time))
        ref.create(body)
    except (google_errors.FailedPrecondition, google_errors.NotFound, google_errors.Conflict):
        return False
    return True


def release_lease(team_id: str, oauth_id: str, holder: str) -> None:
    ref = db().document(paths.oauth_lease(team_id, oauth_id))
    snapshot = ref.get()
    if snapshot.exists and (snapshot.to_dict() or {}).get("holder") == holder:
        with contextlib.suppress(google_errors.FailedPrecondition, google_errors.NotFound):
            ref.delete(option=db().write_option(last_update_time=snapshot.update_time))


# ---------------------------------------------------------------- custom providers


def get_custom_provider(team_id: str, provider_id: str) -> CustomProviderDoc | None:
    with translated_errors():
        snapshot = db().document(paths.oauth_provider(team_id, provider_id)).get()
    if not snapshot.exists:
        return None
    return from_snapshot(CustomProviderDoc, snapshot, teamId=team_id)


def put_custom_provider(provider: CustomProviderDoc) -> None:
    body = provider.to_firestore()
    body.pop("teamId", None)
    with translated_errors():
        db().document(paths.oauth_provider(provider.team_id, provider.id)).set(body)


def list_custom_providers(team_id: str) -> list[CustomProviderDoc]:
    with translated_errors():
        snapshots = list(
            db().collection(paths.oauth_providers(team_id)).order_by("__name__").limit(100).stream()
        )
    return [from_snapshot(CustomProviderDoc, snapshot, teamId=team_id) for snapshot in snapshots]
