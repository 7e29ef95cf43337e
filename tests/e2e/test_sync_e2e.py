"""The sync engine through the emulator suite: a run started by `sync_run_now` over HTTP and executed by
the Tasks emulator in the functions emulator, against a fake HubSpot on loopback; a contact written to
Firestore reaches the outbox through the real `on_contact_written` trigger and goes out with the next run."""

from __future__ import annotations

import time
from typing import Any

from google.cloud import firestore

from tests.e2e.conftest import Team, call_function
from tests.support.fake_hubspot import FakeHubSpot

TOKEN = "e2e-hubspot-private-app-token-0001"


def wait_for_run(team: Team, run_id: str, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = call_function("sync_runs_list", {"teamId": team.team_id}, token=team.member_token).result[
            "items"
        ]
        found = [run for run in runs if run["id"] == run_id]
        if found and found[0]["status"] not in ("queued", "running"):
            return found[0]
        time.sleep(1)
    raise AssertionError(f"run {run_id} did not finish")


def wait_for(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def test_a_run_now_pulls_through_the_task_queue_and_a_local_contact_goes_out_next(
    db: firestore.Client, team: Team
) -> None:
    with FakeHubSpot(token=TOKEN) as hubspot:
        hubspot.add_many(
            [
                {"email": f"e2e{n}@example.com", "firstname": f"First{n}", "lastname": "Synced"}
                for n in range(25)
            ]
        )
        integration = call_function(
            "integrations_create",
            {
                "teamId": team.team_id,
                "type": "rest",
                "name": "HubSpot",
                "marketplaceId": "hubspot",
                "config": {"baseUrl": hubspot.url, "auth": {"type": "bearer", "token": TOKEN}},
            },
            token=team.owner_token,
        )
        assert integration.status == 200, integration.body
        config = call_function(
            "sync_configs_create",
            {
                "teamId": team.team_id,
                "integrationId": integration.result["id"],
                "enabled": True,
                "syncDirection": "bidirectional",
                "frequency": 3_600_000,
                "fieldMappings": [
                    {"localField": "email", "remoteField": "email", "bidirectional": True},
                    {"localField": "firstName", "remoteField": "firstname", "bidirectional": True},
                    {"localField": "lastName", "remoteField": "lastname", "bidirectional": True},
                ],
                "conflictResolution": "remote",
            },
            token=team.owner_token,
        )
        assert config.status == 200, config.body
        config_id = config.result["id"]

        started = call_function(
            "sync_run_now", {"teamId": team.team_id, "configId": config_id}, token=team.owner_token
        )
        assert started.status == 200, started.body
        first = wait_for_run(team, started.result["runId"])

        contacts = db.collection(f"teams/{team.team_id}/contacts")
        assert first["status"] == "succeeded", first
        assert first["created"] == 25
        assert len(list(contacts.stream())) == 25

        contacts.document("from-the-console").set({"email": "console@example.com", "firstName": "Console"})
        outbox = db.document(f"teams/{team.team_id}/contactChanges/from-the-console")
        wait_for(lambda: outbox.get().exists)  # the real trigger fed the outbox
        time.sleep(11)  # past the local signpost's lag (10 s): the change is settled
        again = call_function(
            "sync_run_now", {"teamId": team.team_id, "configId": config_id}, token=team.owner_token
        )
        second = wait_for_run(team, again.result["runId"])

        assert second["status"] == "succeeded", second
        assert second["pushed"] == 1
        assert [r["properties"]["email"] for r in hubspot.records()].count("console@example.com") == 1
