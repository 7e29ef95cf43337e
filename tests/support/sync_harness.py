"""A team syncing with a fake CRM, in the integration tier: the callables, the engine, a recording queue
for its tasks (run here one after another, as the Tasks emulator would), and contact writes that feed the
outbox as `on_contact_written` does in the emulator suite."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from google.cloud import firestore

from functions import integrations_create, sync_configs_create
from shared import tasks
from shared.models.sync import RunTrigger
from shared.sync import runs
from shared.sync.outbox import record_change
from tests.support.callables import call
from tests.support.task_queue import RecordingQueue

TOKEN = "crm-private-app-token-0123456789"

DEFAULT_MAPPINGS = [
    {"localField": "email", "remoteField": "email", "bidirectional": True},
    {"localField": "firstName", "remoteField": "firstname", "bidirectional": True},
    {"localField": "lastName", "remoteField": "lastname", "bidirectional": True},
    {"localField": "company", "remoteField": "company", "bidirectional": True},
]


@dataclass
class SyncHarness:
    db: firestore.Client
    team: str
    base_url: str
    provider: str
    queue: RecordingQueue = field(default_factory=RecordingQueue)
    integration_id: str = ""
    config_id: str = ""

    def connect(self, monkeypatch: pytest.MonkeyPatch) -> SyncHarness:
        monkeypatch.setattr(tasks, "enqueue", self.queue)
        answer = call(
            integrations_create,
            {
                "teamId": self.team,
                "type": "rest",
                "name": self.provider,
                "marketplaceId": self.provider,
                "config": {"baseUrl": self.base_url, "auth": {"type": "bearer", "token": TOKEN}},
            },
            uid="owner",
        )
        assert answer.status == 200, answer.body
        self.integration_id = answer.result["id"]
        return self

    def configure(self, **changes: Any) -> dict[str, Any]:
        data = {
            "teamId": self.team,
            "integrationId": self.integration_id,
            "enabled": True,
            "syncDirection": "bidirectional",
            "frequency": 300_000,
            "fieldMappings": DEFAULT_MAPPINGS,
            "conflictResolution": "remote",
            **changes,
        }
        answer = call(sync_configs_create, data, uid="admin")
        assert answer.status == 200, answer.body
        self.config_id = answer.result["id"]
        result: dict[str, Any] = answer.result
        return result

    def run(self, trigger: RunTrigger = RunTrigger.MANUAL, max_tasks: int = 1000) -> dict[str, Any]:
        """Start a run and work its tasks to the end, as the task queue would dispatch them."""
        run_id, created = runs.start(self.team, self.config_id, trigger)
        assert created, f"a run holds the configuration: {run_id}"
        self.drain(max_tasks)
        run = self.db.document(f"teams/{self.team}/syncRuns/{run_id}").get().to_dict()
        assert run is not None
        return {"id": run_id, **run}

    def drain(self, max_tasks: int = 1000) -> int:
        """Run every queued taskRunSync (and those they queue) once, in order."""
        done = 0
        while done < max_tasks:
            pending = [task for task in self.queue.of(runs.engine.RUN_TASK)][done:]
            if not pending:
                return done
            task = pending[0]
            runs.execute(runs.SyncTask.model_validate(task.data))
            done += 1
        raise AssertionError("the run never finished")

    # ------------------------------------------------------------ local contacts

    def write_contact(self, contact_id: str, data: dict[str, Any], merge: bool = True) -> None:
        """Write a contact as the console or the API would, then feed the outbox as the trigger does."""
        ref = self.db.document(f"teams/{self.team}/contacts/{contact_id}")
        before = ref.get().to_dict()
        ref.set(data, merge=merge)
        record_change(self.team, contact_id, before, ref.get().to_dict())

    def delete_contact(self, contact_id: str) -> None:
        ref = self.db.document(f"teams/{self.team}/contacts/{contact_id}")
        before = ref.get().to_dict()
        ref.delete()
        record_change(self.team, contact_id, before, None)

    def contacts(self) -> dict[str, dict[str, Any]]:
        return {
            snapshot.id: snapshot.to_dict() or {}
            for snapshot in self.db.collection(f"teams/{self.team}/contacts").stream()
        }

    def contact(self, contact_id: str) -> dict[str, Any]:
        data = self.db.document(f"teams/{self.team}/contacts/{contact_id}").get().to_dict()
        assert data is not None, contact_id
        return data

    def by_email(self, email: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (cid, data) for cid, data in self.contacts().items() if (data.get("email") or "").lower() == email
        ]

    def update_times(self) -> dict[str, Any]:
        """Each contact's document update time: what changed between two moments, exactly."""
        return {
            snapshot.id: snapshot.update_time
            for snapshot in self.db.collection(f"teams/{self.team}/contacts").stream()
        }
