"""The seed's four "Usage Examples", sent as a client team codes them, through the real callable handler.

Each example is the seed's object as its React hook would send it (the hook adds `teamId`), adapted
only where our design deliberately differs, and each adaptation says why (the README's "differences
from the seed" lists them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from google.cloud import firestore

from functions import api_keys_create, integrations_create, oauth_tokens_store, sync_configs_create
from shared.settings import reset_settings
from tests.support.callables import call
from tests.support.fake_hubspot import FakeHubSpot
from tests.support.sync_harness import TOKEN, SyncHarness


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


def test_setting_up_data_sync(
    db: firestore.Client, team: str, private_networks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed's configuration, created and run against a HubSpot whose contacts have the seed's
    `fullName` and `emailAddress` properties (custom properties, as a team's portal would have them)."""
    reset_settings()
    with FakeHubSpot(token=TOKEN) as hubspot:
        hubspot.add_property("fullName", label="Full name")
        hubspot.add_property("emailAddress", label="Email address")
        hubspot.add(email="ada@example.com", fullName="Ada Lovelace", emailAddress="ada@example.com")
        harness = SyncHarness(db, team, hubspot.url, "hubspot").connect(monkeypatch)
        example = {
            "teamId": team,
            # Adapted: the seed's "integration-123" is a placeholder; a configuration needs a real CRM.
            "integrationId": harness.integration_id,
            "enabled": True,
            "syncDirection": "bidirectional",
            "frequency": 300000,
            "fieldMappings": [
                {"localField": "name", "remoteField": "fullName", "bidirectional": True},
                {"localField": "email", "remoteField": "emailAddress", "bidirectional": True},
            ],
            "conflictResolution": "local",
        }

        answer = call(sync_configs_create, example, uid="admin")
        assert answer.status == 200, answer.body
        harness.config_id = answer.result["id"]
        run = harness.run()

    assert answer.result["frequency"] == 300_000
    assert [mapping["remoteField"] for mapping in answer.result["fieldMappings"]] == [
        "fullName",
        "emailAddress",
    ]
    assert run["status"] == "succeeded", run
    [contact] = harness.contacts().values()
    assert (contact["name"], contact["email"]) == ("Ada Lovelace", "ada@example.com")
