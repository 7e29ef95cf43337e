"""The public REST API's cost, as ratios measured in one run against one Firestore emulator.

    venv/bin/python bench/public_api.py [--seconds 3] [--tickets 10000] [--threads 4]

`public_api` is served by functions-framework in a process of its own; a key made by `api_keys_create`
authenticates every request (the real validator, its cache, usage and rate counters). Each HTTP line and
its baseline run with the same client threads (4 by default) (one keep-alive `requests.Session` per thread), medians of
4 interleaved runs after a warm-up:

1. `GET /v1/contacts/{id}` against a raw Firestore `get()` of the same document. Goal: at least 0.5x.
2. `GET /v1/tickets?limit=100`, the first page of the team's tickets, against the raw query of the same
   page (by `updatedAt`, then the document name, 100: `shared/store/records.py`). Goal: at least 0.5x.
3. `POST /v1/reports/{id}/execute` over the team's tickets (10,000, seeded with raw batch writes of 500 as
   the ticket model stores them): `ticket_count` by `status` (aggregation: one `count()` per status) and
   `resolution_time` by `priority` (bounded scan: pages of 500, two fields each); seconds, medians of 3,
   against a raw stream of the same tickets' fields.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ENCRYPTION_KEYS", "v1:" + "a" * 43 + "=")
# Unsigned ID tokens (for `api_keys_create`) are accepted when the Admin SDK believes the Auth emulator
# is in use; nothing contacts it (local-stack.md).
os.environ.setdefault("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")

from tests.support.firestore_emulator import FirestoreEmulator  # noqa: E402
from tests.support.function_server import FunctionServer  # noqa: E402

PROJECT = "bench-public-api"
TEAM = "bench"
STATUSES = ["open", "pending", "resolved", "closed"]
PRIORITIES = ["low", "normal", "high", "urgent"]


def threaded_rate(operation: Callable[[], object], seconds: float, threads: int) -> float:
    """Operations per second of `operation()` called back to back by `threads` threads for `seconds`."""
    counts = [0] * threads
    deadline = time.perf_counter() + seconds

    def worker(slot: int) -> None:
        while time.perf_counter() < deadline:
            operation()
            counts[slot] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return sum(counts) / (time.perf_counter() - start)


def interleaved(
    baseline: Callable[[], object], measured: Callable[[], object], seconds: float, threads: int
) -> tuple[float, float]:
    """Medians of 4 runs of each, alternating which goes first, so drift hits both alike."""
    base_runs, measured_runs = [], []
    for round_number in range(4):
        if round_number % 2 == 0:
            base_runs.append(threaded_rate(baseline, seconds, threads))
            measured_runs.append(threaded_rate(measured, seconds, threads))
        else:
            measured_runs.append(threaded_rate(measured, seconds, threads))
            base_runs.append(threaded_rate(baseline, seconds, threads))
    return statistics.median(base_runs), statistics.median(measured_runs)


def timed(operation: Callable[[], object]) -> float:
    start = time.perf_counter()
    operation()
    return time.perf_counter() - start


def drain(stream: Callable[[], Iterable[object]]) -> int:
    return sum(1 for _ in stream())


def ticket(number: int, start: datetime) -> dict[str, Any]:
    """A ticket as TicketDoc stores it: statuses and priorities spread evenly, resolved ones measured."""
    created = start + timedelta(minutes=number)
    status = STATUSES[number % 4]
    return {
        "subject": f"ticket {number}",
        "description": "",
        "status": status,
        "priority": PRIORITIES[(number // 4) % 4],
        "requester": {},
        "requesterId": None,
        "assigneeId": None,
        "source": "api",
        "sourceRef": None,
        "createdAt": created,
        "updatedAt": created + timedelta(seconds=30),
        "resolvedAt": created + timedelta(hours=1 + number % 48) if status == "resolved" else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    seconds, count, threads = args.seconds, args.tickets, args.threads

    emulator = FirestoreEmulator(ROOT / "firestore.rules")
    emulator.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    os.environ["GCLOUD_PROJECT"] = PROJECT
    server: FunctionServer | None = None
    try:
        import firebase_admin

        from functions import api_keys_create
        from shared.models.helpdesk import ContactDoc
        from shared.models.teams import Role
        from shared.store import members
        from shared.store.client import db
        from tests.support.callables import call

        if not firebase_admin._apps:
            firebase_admin.initialize_app(options={"projectId": PROJECT})
        client = db()
        members.set_role(TEAM, "admin", Role.ADMIN)
        scopes = ["contacts:read", "tickets:read", "reports:read", "reports:write", "reports:execute"]
        made = call(api_keys_create, {"teamId": TEAM, "name": "bench", "scopes": scopes}, uid="admin")
        assert made.status == 200, made.body
        auth = {"Authorization": f"Bearer {made.result['key']}"}

        now = datetime.now(UTC)
        contact_ref = client.document(f"teams/{TEAM}/contacts/c-bench")
        contact = ContactDoc(
            id="c-bench",
            email="bench@example.com",
            first_name="Ada",
            last_name="Bench",
            company="Acme",
            created_at=now,
            updated_at=now,
        )
        contact_ref.set(contact.to_firestore())

        started = time.perf_counter()
        tickets = client.collection(f"teams/{TEAM}/tickets")
        start = now - timedelta(days=30)
        for first in range(0, count, 500):
            batch = client.batch()
            for number in range(first, min(first + 500, count)):
                batch.set(tickets.document(f"t{number:05d}"), ticket(number, start))
            batch.commit()
        seeding = time.perf_counter() - started

        server = FunctionServer("public_api")
        server.start()
        server.wait_until_ready()
        base = server.url.rstrip("/")
        session_local = threading.local()

        def session() -> requests.Session:
            found: requests.Session | None = getattr(session_local, "session", None)
            if found is None:
                found = session_local.session = requests.Session()
            return found

        def http(method: str, path: str, **kwargs: Any) -> Any:
            answer = session().request(method, f"{base}{path}", headers=auth, timeout=120, **kwargs)
            assert answer.status_code in (200, 201), (answer.status_code, answer.text)
            return answer.json()

        def contact_over_http() -> None:
            assert http("GET", "/v1/contacts/c-bench")["id"] == "c-bench"

        def contact_raw() -> None:
            assert contact_ref.get().exists

        def page_over_http() -> None:
            assert len(http("GET", "/v1/tickets?limit=100")["items"]) == 100

        page_query = tickets.order_by("updatedAt").order_by("__name__").limit(100)

        def page_raw() -> None:
            assert len([snapshot.to_dict() for snapshot in page_query.stream()]) == 100

        # The emulator's JVM and the served function keep getting faster for several seconds.
        deadline = time.monotonic() + 30
        while True:
            try:
                contact_over_http()
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for warm in (contact_raw, contact_over_http, page_raw, page_over_http):
            threaded_rate(warm, 3.0, threads)

        rates: dict[str, tuple[float, float]] = {
            "GET /v1/contacts/{id}": interleaved(contact_raw, contact_over_http, seconds, threads),
            "GET /v1/tickets?limit=100": interleaved(page_raw, page_over_http, seconds, threads),
        }

        reports = {
            "ticket_count by status": (
                "aggregation: one count() per status",
                http(
                    "POST", "/v1/reports", json={"name": "b1", "metric": "ticket_count", "groupBy": "status"}
                ),
                ["status"],
            ),
            "resolution_time by priority": (
                "bounded scan: pages of 500, select() of 3 fields",
                http(
                    "POST",
                    "/v1/reports",
                    json={"name": "b2", "metric": "resolution_time", "groupBy": "priority"},
                ),
                ["priority", "resolvedAt"],
            ),
        }
        executed: dict[str, tuple[str, float, float, list[dict[str, Any]]]] = {}
        for name, (method, report, fields) in reports.items():
            path = f"/v1/reports/{report['id']}/execute"
            rows = http("POST", path)["rows"]
            stream = tickets.select(["createdAt", *fields]).stream
            raw_runs, runs = [], []
            for _ in range(3):
                raw_runs.append(timed(partial(drain, stream)))
                runs.append(timed(partial(http, "POST", path)))
            executed[name] = (method, statistics.median(raw_runs), statistics.median(runs), rows)

        print(
            f"\npublic API over HTTP (functions-framework), one emulator, {threads} client thread(s) per line, "
            f"medians of 4 interleaved {seconds:.0f} s runs:\n"
        )
        print("| measurement | per second | ratio to its baseline | goal |")
        print("| --- | --- | --- | --- |")
        met: dict[str, bool] = {}
        for name, (raw, served) in rates.items():
            baseline = "raw `get()` of the document" if "contacts" in name else "raw query of the same page"
            met[name] = served / raw >= 0.5
            print(f"| {baseline} | {raw:,.0f} | 1.00x | |")
            print(f"| `{name}` | {served:,.0f} | {served / raw:.2f}x | >= 0.5x |")
        print(f"\nReports over {count:,} tickets (seeded in {seeding:.2f} s, 500 a batch), medians of 3:\n")
        print("| report | method | seconds | raw stream of the fields | time vs raw |")
        print("| --- | --- | --- | --- | --- |")
        for name, (method, raw_seconds, served_seconds, _) in executed.items():
            print(
                f"| {name} | {method} | {served_seconds:.2f} | {raw_seconds:.2f} | "
                f"{served_seconds / raw_seconds:.2f}x |"
            )
        for name, (_, _, _, rows) in executed.items():
            print(f"  {name}: {rows}")
        print(
            "\nGoals: "
            + ", ".join(f"{name} >= 0.5x ({'met' if ok else 'NOT met'})" for name, ok in met.items())
        )
        return 0
    finally:
        if server is not None:
            server.stop()
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
