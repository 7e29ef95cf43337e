"""The seed's four "Usage Examples", sent as a client team codes them, through the real callable handler.

Each example is the seed's object as its React hook would send it (the hook adds `teamId`), adapted
only where our design deliberately differs, and each adaptation says why (the README's "differences
from the seed" lists them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.cloud import firestore

from functions import api_keys_create, integrations_create, oauth_tokens_store
from shared.callables import parse
from shared.models.sync import SyncConfigCreate
from tests.support.callables import call


def test_creating_an_api_key(db: firestore.Client, team: str) -> None:
    example = {
        "teamId": team,
        "name": "Production API",
        "scopes": ["reports:read", "integrations:write"],
        # Adapted: the seed's `new Date('2025-12-31')` is in the past now; an expiry must be in the future.
        "expiresAt": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }

    answer = call(api_keys_create, example, uid="admin")

    assert answer.status == 200, answer.body
    assert answer.result["id"]
    assert answer.result["scopes"] == ["reports:read", "integrations:write"]
    assert answer.result["key"].startswith("jk_live_")


def test_creating_an_integration(db: firestore.Client, team: str) -> None:
    example = {
        "teamId": team,
        "name": "Zapier Connection",
        "type": "zapier",
        # Adapted: the seed's `{webhookId: 'zap-123', apiKey: 'xxx-yyy-zzz'}` cannot reach a Zap; a
        # Zapier integration is its catch hook's URL (sealed), and the token its actions send to us.
        "config": {
            "hookUrl": "https://hooks.zapier.com/hooks/catch/123/zap-123/",
            "incomingToken": "xxx-yyy-zzz-incoming",
        },
        "enabled": True,
    }

    answer = call(integrations_create, example, uid="admin")

    assert answer.status == 200, answer.body
    assert answer.result["id"]
    assert answer.result["type"] == "zapier"
    assert "zap-123" not in answer.result["config"]["hookUrl"]  # a secret: answered masked


def test_setting_up_oauth(db: firestore.Client, team: str) -> None:
    example = {
        "teamId": team,
        "provider": "salesforce",
        "userId": "user-123",
        "accessToken": "00D5g000004SGZb!access-token-from-the-callback",
        "refreshToken": "5Aep861refresh-token-from-the-callback",
        "scopes": ["api", "refresh_token"],
        "expiresAt": (datetime.now(UTC) + timedelta(milliseconds=3_600_000)).isoformat(),
    }

    answer = call(oauth_tokens_store, example, uid="owner")

    assert answer.status == 200, answer.body
    assert answer.result["id"]
    assert answer.result["provider"] == "salesforce"
    assert answer.result["scopes"] == ["api", "refresh_token"]
    assert example["accessToken"] not in str(answer.body)


def test_setting_up_data_sync_parses_as_the_seed_wrote_it() -> None:
    example = {
        "teamId": "team-a",
        "integrationId": "integration-123",
        "enabled": True,
        "syncDirection": "bidirectional",
        "frequency": 300000,
        "fieldMappings": [
            {"localField": "name", "remoteField": "fullName", "bidirectional": True},
            {"localField": "email", "remoteField": "emailAddress", "bidirectional": True},
        ],
        "conflictResolution": "local",
    }

    config = parse(SyncConfigCreate, example)

    assert config.frequency == 300_000
    assert [mapping.remote_field for mapping in config.field_mappings] == ["fullName", "emailAddress"]
