"""The GraphQL API's cost, as ratios measured in one run against one Firestore emulator.

    venv/bin/python bench/graphql.py [--seconds 5] [--contacts 100] [--tickets 500] [--threads 2]

`public_graphql` is served by functions-framework in a process of its own; a key made by
`api_keys_create` authenticates every request (the real validator). The depth-3 query of the issue,

    { tickets(first: 50) { nodes { requester { tickets { nodes { id } } } } } }

(50 tickets, their requesters, each requester's first 20 tickets) is measured over HTTP against the same
data read in this process with the Firestore client: (a) batched as the API batches it (the page, one
`get_all` of the requesters, one `requesterId in [...]` query per 30 of them), and (b) one read per
item (the N+1 a resolver per field would make). Medians of 4 interleaved runs after a warm-up, with the
same client threads per line; and the round trips the API reports in `extensions.cost`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("ENCRYPTION_KEYS", "v1:" + "a" * 43 + "=")
# Unsigned ID tokens (for `api_keys_create`) are accepted when the Admin SDK believes the Auth emulator
# is in use; nothing contacts it (local-stack.md).
os.environ.setdefault("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")

from public_api import interleaved, threaded_rate  # noqa: E402

from tests.support.firestore_emulator import FirestoreEmulator  # noqa: E402
from tests.support.function_server import FunctionServer  # noqa: E402

PROJECT = "bench-graphql"
TEAM = "bench"
QUERY = "{ tickets(first: 50) { nodes { requester { tickets { nodes { id } } } } } }"
PAGE, NESTED, IN_VALUES = 50, 20, 30


def seed(client: Any, contacts: int, tickets: int) -> None:
    start = datetime.now(UTC) - timedelta(days=30)
    batch, writes = client.batch(), 0
    for index in range(contacts):
        at = start + timedelta(seconds=index)
        ref = client.document(f"teams/{TEAM}/contacts/c{index:05d}")
        batch.set(ref, {"email": f"c{index}@example.com", "createdAt": at, "updatedAt": at})
        writes += 1
    for number in range(tickets):
        at = start + timedelta(minutes=number)
        ref = client.document(f"teams/{TEAM}/tickets/t{number:06d}")
        batch.set(
            ref,
            {
                "subject": f"ticket {number}",
                "description": "",
                "status": "open",
                "priority": "normal",
                "requesterId": f"c{number % contacts:05d}",
                "source": "api",
                "createdAt": at,
                "updatedAt": at,
            },
        )
        writes += 1
        if writes >= 450:
            batch.commit()
            batch, writes = client.batch(), 0
    batch.commit()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--contacts", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    emulator = FirestoreEmulator(ROOT / "firestore.rules")
    emulator.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    os.environ["GCLOUD_PROJECT"] = PROJECT
    server: FunctionServer | None = None
    try:
        import firebase_admin
        from google.cloud.firestore_v1.base_query import FieldFilter

        from functions import api_keys_create
        from shared.models.teams import Role
        from shared.store import members
        from shared.store.client import db
        from tests.support.callables import call

        if not firebase_admin._apps:
            firebase_admin.initialize_app(options={"projectId": PROJECT})
        client = db()
        members.set_role(TEAM, "admin", Role.ADMIN)
        made = call(
            api_keys_create,
            {"teamId": TEAM, "name": "bench", "scopes": ["contacts:read", "tickets:read"]},
            uid="admin",
        )
        assert made.status == 200, made.body
        auth = {"Authorization": f"Bearer {made.result['key']}"}
        seed(client, args.contacts, args.tickets)

        server = FunctionServer("public_graphql")
        server.start()
        server.wait_until_ready()
        local = threading.local()
        round_trips: list[int] = []

        def over_http() -> None:
            session: requests.Session | None = getattr(local, "session", None)
            if session is None:
                session = local.session = requests.Session()
            answer = session.post(
                server.url if server else "", json={"query": QUERY}, headers=auth, timeout=120
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert "errors" not in body, body
            assert len(body["data"]["tickets"]["nodes"]) == PAGE
            round_trips.append(body["extensions"]["cost"]["roundTrips"])

        tickets = client.collection(f"teams/{TEAM}/tickets")
        contacts = client.collection(f"teams/{TEAM}/contacts")

        def page() -> list[Any]:
            return list(tickets.order_by("updatedAt").order_by("__name__").limit(PAGE + 1).stream())[:PAGE]

        def nested(condition: FieldFilter, limit: int) -> list[Any]:
            query = tickets.where(filter=condition).order_by("updatedAt").order_by("__name__")
            return list(query.limit(limit).stream())

        def raw_batched() -> None:
            requester_ids = sorted({snapshot.get("requesterId") for snapshot in page()})
            found = list(client.get_all([contacts.document(document_id) for document_id in requester_ids]))
            assert len(found) == len(requester_ids)
            for start in range(0, len(requester_ids), IN_VALUES):
                chunk = requester_ids[start : start + IN_VALUES]
                nested(FieldFilter("requesterId", "in", chunk), (NESTED + 1) * len(chunk))

        def raw_one_by_one() -> None:
            for snapshot in page():
                requester_id = snapshot.get("requesterId")
                assert contacts.document(requester_id).get().exists
                nested(FieldFilter("requesterId", "==", requester_id), NESTED + 1)

        for warm in (raw_batched, raw_one_by_one, over_http):
            threaded_rate(warm, 3.0, args.threads)
        round_trips.clear()
        base_batched, served_batched = interleaved(raw_batched, over_http, args.seconds, args.threads)
        base_naive, served_naive = interleaved(raw_one_by_one, over_http, args.seconds, args.threads)
        served = (served_batched + served_naive) / 2

        print(
            f"\nGraphQL over HTTP (functions-framework), one emulator, {args.contacts} contacts, {args.tickets} "
            f"tickets, {args.threads} client thread(s), medians of 4 interleaved {args.seconds:.0f} s runs:\n"
        )
        print(f"query: `{QUERY}`\n")
        print("| measurement | queries per second | ratio |")
        print("| --- | --- | --- |")
        print(
            f"| raw reads, batched as the API batches (page, get_all, `in` per 30) | {base_batched:,.1f} | 1.00x |"
        )
        print(
            f"| the query over HTTP (same run) | {served_batched:,.1f} | {served_batched / base_batched:.2f}x |"
        )
        print(f"| raw reads, one per item (N+1: page, 50 get, 50 queries) | {base_naive:,.1f} | 1.00x |")
        print(f"| the query over HTTP (same run) | {served_naive:,.1f} | {served_naive / base_naive:.2f}x |")
        print(
            f"\nround trips per query (extensions.cost.roundTrips): {sorted(set(round_trips))} over {len(round_trips)} queries"
        )
        print(
            f"(the batched raw baseline makes {1 + 1 + -(-PAGE // IN_VALUES)} at most; one per item makes {1 + 2 * PAGE})"
        )
        print(f"served rate, mean of both lines: {served:,.1f} queries per second")
        return 0
    finally:
        if server is not None:
            server.stop()
        emulator.stop()


if __name__ == "__main__":
    raise SystemExit(main())
