"""The sync engine's cost, as ratios measured in one run against one Firestore emulator and a fake HubSpot.

    venv/bin/python bench/sync.py [--contacts 10000]

1. A first pull of N remote contacts (the list endpoint, 100 a page, each page's contacts and checkpoint
   in one commit) against the baseline: raw batch writes (500 a batch) of the same N contact documents.
   Goal: at least 0.5x.
2. An incremental run after 100 remote changes: exactly 100 local documents written (counted from the
   documents' update times), and its time against the first pull's.
3. A push of 1,000 local changes: the number of calls to HubSpot (goal: 10 writes, 100 contacts a batch).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ENCRYPTION_KEYS", "v1:" + "a" * 43 + "=")
os.environ.setdefault("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
os.environ.update(
    {"ALLOW_PRIVATE_NETWORKS": "true", "SYNC_REMOTE_LAG_SECONDS": "0", "SYNC_LOCAL_LAG_SECONDS": "0"}
)

from tests.support.fake_hubspot import FakeHubSpot  # noqa: E402
from tests.support.firestore_emulator import FirestoreEmulator  # noqa: E402
from tests.support.sync_harness import TOKEN, SyncHarness  # noqa: E402


class _Patch:
    """Just enough of pytest's monkeypatch for the harness, outside pytest."""

    def setattr(self, target: object, name: str, value: object) -> None:
        setattr(target, name, value)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    count = parser.parse_args().contacts

    emulator = FirestoreEmulator(ROOT / "firestore.rules")
    emulator.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    os.environ["GCLOUD_PROJECT"] = "bench-sync"
    try:
        import firebase_admin

        from shared.models.teams import Role
        from shared.store import members
        from shared.store.client import db

        if not firebase_admin._apps:
            firebase_admin.initialize_app(options={"projectId": "bench-sync"})
        client = db()
        for role in Role:
            members.set_role("bench", role.value, role)
        people = [
            {"email": f"p{n}@example.com", "firstname": f"F{n}", "lastname": f"L{n}", "company": "Acme"}
            for n in range(count)
        ]
        # Warm the emulator (its first requests are slower) with a write and a read of another team.
        client.document("teams/warm/contacts/w").set({"x": 1})
        client.document("teams/warm/contacts/w").get()

        started = time.perf_counter()
        for start in range(0, count, 500):
            batch = client.batch()
            for n, person in enumerate(people[start : start + 500], start):
                batch.set(
                    client.document(f"teams/baseline/contacts/c{n}"),
                    {
                        "email": person["email"],
                        "firstName": person["firstname"],
                        "lastName": person["lastname"],
                        "company": "Acme",
                    },
                )
            batch.commit()
        baseline = time.perf_counter() - started

        with FakeHubSpot(token=TOKEN) as hubspot:
            ids = hubspot.add_many(people)
            harness = SyncHarness(client, "bench", hubspot.url, "hubspot").connect(_Patch())  # type: ignore[arg-type]
            harness.configure()
            started = time.perf_counter()
            first = harness.run()
            first_pull = time.perf_counter() - started
            assert first["counts"]["created"] == count, first

            before = harness.update_times()
            for contact_id in ids[:100]:
                hubspot.modify(contact_id, company="Globex")
            started = time.perf_counter()
            incremental = harness.run()
            incremental_time = time.perf_counter() - started
            after = harness.update_times()
            written = sum(1 for key in after if after[key] != before.get(key))

            local_ids = sorted(harness.contacts())[:1000]
            for contact_id in local_ids:
                harness.write_contact(contact_id, {"company": "Pushed Inc"})
            hubspot.reset_log()
            started = time.perf_counter()
            pushed = harness.run()
            push_time = time.perf_counter() - started
            write_calls = hubspot.writes()
            all_calls = len(hubspot.requests)

        print(f"sync engine, one run against one Firestore emulator and a fake HubSpot ({count:,} contacts)")
        print(f"{'measurement':<58} {'seconds':>8} {'ratio':>8}")
        print(f"{'raw batch writes of the same documents (baseline)':<58} {baseline:8.2f} {1.0:7.2f}x")
        print(
            f"{'first pull (pages of 100, checkpoint per page)':<58} {first_pull:8.2f} {baseline / first_pull:7.2f}x"
        )
        print(
            f"{'incremental run after 100 remote changes':<58} {incremental_time:8.2f} "
            f"{incremental_time / first_pull:7.3f} of the first pull"
        )
        print(f"  local documents written by it: {written} (updated {incremental['counts']['updated']})")
        print(
            f"push of 1,000 local changes: {push_time:.2f} s, {pushed['counts']['pushed']} pushed, "
            f"{write_calls} write calls to HubSpot ({all_calls} calls in all)"
        )
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
