"""Managing a team's API keys: create (the key is shown once), get, list, update, delete."""

from __future__ import annotations

from datetime import UTC, datetime

from shared import errors
from shared.api_keys.validation import validator
from shared.auth import Caller, require_admin, require_member
from shared.crypto import random_token, sha256_hex
from shared.models.api_keys import (
    DEFAULT_LIFETIME,
    KEY_PREFIX,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyDeleted,
    ApiKeyDoc,
    ApiKeyListQuery,
    ApiKeyPublic,
    ApiKeyRef,
    ApiKeyUpdate,
)
from shared.models.base import Page
from shared.pagination import decode_cursor, page_of
from shared.store import api_keys as store

# 32 random bytes: 256 bits, the strength Unkey recommends for sensitive APIs.
KEY_RANDOM_BYTES = 32


def masked(doc: ApiKeyDoc) -> str:
    return f"{KEY_PREFIX}{doc.start}…{doc.end}"


def to_public(doc: ApiKeyDoc) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=doc.id,
        team_id=doc.team_id,
        name=doc.name,
        key=masked(doc),
        scopes=doc.scopes,
        rate_limit=doc.rate_limit,
        enabled=doc.enabled,
        expires_at=doc.expires_at,
        created_at=doc.created_at,
        created_by=doc.created_by,
        updated_at=doc.updated_at,
        usage_count=doc.usage_count,
        last_used=doc.last_used,
    )


def create_key(caller: Caller, data: ApiKeyCreate) -> ApiKeyCreated:
    require_admin(caller, data.team_id)
    key = random_token(KEY_PREFIX, KEY_RANDOM_BYTES)
    random_part = key[len(KEY_PREFIX) :]
    now = datetime.now(UTC)
    doc = ApiKeyDoc(
        id=store.new_key_id(data.team_id),
        team_id=data.team_id,
        name=data.name,
        start=random_part[:4],
        end=random_part[-4:],
        key_hash=sha256_hex(key),
        scopes=[scope.value for scope in data.scopes],
        rate_limit=data.rate_limit,
        enabled=True,
        expires_at=data.expires_at or now + DEFAULT_LIFETIME,
        created_at=now,
        created_by=caller.uid,
        updated_at=now,
    )
    store.create(doc)
    public = to_public(doc)
    # The only answer that carries the key: it is not stored anywhere and cannot be shown again.
    return ApiKeyCreated(**public.model_dump(exclude={"key"}), key=key, masked_key=masked(doc))


def get_key(caller: Caller, data: ApiKeyRef) -> ApiKeyPublic:
    require_member(caller, data.team_id)
    doc = store.get(data.team_id, data.key_id)
    if doc is None:
        raise errors.NotFound("API key not found", field="keyId")
    return to_public(doc)


def list_keys(caller: Caller, data: ApiKeyListQuery) -> Page[ApiKeyPublic]:
    require_member(caller, data.team_id)
    after = decode_cursor(data.cursor) if data.cursor else None
    # One extra document tells whether another page exists without a second query.
    docs = store.list_page(data.team_id, data.limit + 1, after)
    return page_of(docs, data.limit, to_public, lambda doc: (doc.created_at, doc.id))


def update_key(caller: Caller, data: ApiKeyUpdate) -> ApiKeyPublic:
    require_admin(caller, data.team_id)
    given = data.model_fields_set

    def change(current: ApiKeyDoc) -> ApiKeyDoc:
        updates: dict[str, object] = {"updated_at": datetime.now(UTC)}
        if "name" in given and data.name is not None:
            updates["name"] = data.name
        if "scopes" in given and data.scopes is not None:
            updates["scopes"] = [scope.value for scope in data.scopes]
        if "enabled" in given and data.enabled is not None:
            updates["enabled"] = data.enabled
        if "rate_limit" in given:
            updates["rate_limit"] = data.rate_limit
        if "expires_at" in given and data.expires_at is not None:
            updates["expires_at"] = data.expires_at
        return current.model_copy(update=updates)

    doc = store.update(data.team_id, data.key_id, change)
    validator().forget(doc.key_hash)
    return to_public(doc)


def delete_key(caller: Caller, data: ApiKeyRef) -> ApiKeyDeleted:
    require_admin(caller, data.team_id)
    doc = store.delete(data.team_id, data.key_id)
    validator().forget(doc.key_hash)
    return ApiKeyDeleted(id=doc.id)
