"""Webhook throughput, as ratios measured in one run against one Firestore emulator.

    venv/bin/python bench/webhooks.py [--seconds 3]

- Incoming: signed Standard Webhooks requests through `webhook_generic` (the SDK's HTTP handler, the
  signature verified over the raw body, the event stored with `create()`), each with a new id, against
  one raw Firestore `create()` of the same stored document per second. Goal: at least 0.6 of it.
- Outgoing: deliveries per second to a local receiver (`deliver()`: load, claim the attempt, sign, send
  through the outbound client with its audit record, record the attempt), against plain `requests` plus
  one Firestore `set()` per request. Goal: at least 0.5 of it. Also counted: Firestore round trips per
  delivery (every RPC the client makes, counted by wrapping the client's API object here, in the bench
  only; the claim and the read run side by side, so two of the three are on the critical path).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ENCRYPTION_KEYS", "v1:" + "a" * 43 + "=")
os.environ["ALLOW_PRIVATE_NETWORKS"] = "true"

from tests.support.firestore_emulator import FirestoreEmulator  # noqa: E402
from tests.support.http_servers import Reply, serving  # noqa: E402

TEAM = "bench-team"
# The RPCs of the Firestore API the sync client calls; each call is one round trip to the server.
FIRESTORE_RPCS = (
    "batch_get_documents",
    "commit",
    "run_query",
    "run_aggregation_query",
    "begin_transaction",
    "rollback",
    "list_documents",
    "list_collection_ids",
)


class RoundTrips:
    """Counts the Firestore RPCs of one client by wrapping its API object's methods (bench only)."""

    def __init__(self, client: Any) -> None:
        self.count = 0
        api = client._firestore_api  # built on first use; the same object serves every later call
        for name in FIRESTORE_RPCS:
            original = getattr(api, name)

            def counted(*args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
                self.count += 1
                return _original(*args, **kwargs)

            setattr(api, name, counted)

    def per_call(self, operation: Callable[[], object], calls: int) -> float:
        before = self.count
        for _ in range(calls):
            operation()
        return (self.count - before) / calls


def per_second(operation: Callable[[], object], seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        operation()
        done += 1
    return done / (time.perf_counter() - start)


def interleaved(
    baseline: Callable[[], object], measured: Callable[[], object], seconds: float
) -> tuple[float, float]:
    """Medians of 4 alternating runs each, so drift in the emulator hits both alike."""
    baseline_runs, measured_runs = [], []
    for round_number in range(4):
        pair = [(baseline_runs, baseline), (measured_runs, measured)]
        for runs, operation in pair if round_number % 2 == 0 else reversed(pair):
            runs.append(per_second(operation, seconds))
    return statistics.median(baseline_runs), statistics.median(measured_runs)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    seconds = parser.parse_args().seconds

    emulator = FirestoreEmulator(ROOT / "firestore.rules")
    emulator.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    os.environ["GCLOUD_PROJECT"] = "bench-webhooks"
    try:
        from flask import Flask, request

        import functions
        from shared import events, log
        from shared.auth import Caller
        from shared.integrations.service import create_integration
        from shared.models.integrations import IntegrationCreate
        from shared.models.teams import Role
        from shared.store import members
        from shared.store.client import db
        from shared.webhooks import delivery, fanout

        log.set_stream(open(os.devnull, "w"))  # noqa: SIM115 - for the life of the process
        members.set_role(TEAM, "bench", Role.OWNER)
        counter = itertools.count()

        with serving(lambda _request: Reply(200, b"ok")) as receiver:
            created = create_integration(
                Caller("bench"),
                IntegrationCreate.model_validate(
                    {
                        "teamId": TEAM,
                        "type": "webhook",
                        "name": "bench",
                        "config": {"url": f"{receiver.url}/hook", "events": ["bench.*"]},
                    }
                ),
            )
            secret = created.signing_secret or ""
            key = base64.b64decode(secret.removeprefix("whsec_"))
            app = Flask("bench")
            path = f"/{TEAM}/{created.id}"
            raw_collection = db().collection(f"teams/{TEAM}/rawEvents")

            def incoming() -> None:
                message_id = f"msg_{next(counter)}"
                body = json.dumps({"type": "bench.event", "data": {"n": message_id}}).encode()
                timestamp = str(int(time.time()))
                signature = base64.b64encode(
                    hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
                ).decode()
                headers = {
                    "Content-Type": "application/json",
                    "webhook-id": message_id,
                    "webhook-timestamp": timestamp,
                    "webhook-signature": f"v1,{signature}",
                }
                with app.test_request_context(path, method="POST", data=body, headers=headers):
                    response = functions.webhook_generic(request)
                assert response.status_code == 200, response.get_data()

            # The baseline writes the very document the pipeline stores (a copy of one it stored), so
            # the ratio is the pipeline's own cost: lookup, verification, parsing, logging.
            incoming()
            stored = next(iter(db().collection(f"teams/{TEAM}/webhookEvents").limit(1).stream())).to_dict()

            def raw_create() -> None:
                raw_collection.document(f"raw_{next(counter)}").create(stored)

            per_second(raw_create, 8.0)  # the emulator's JVM keeps speeding up for several seconds
            per_second(incoming, 2.0)
            raw_rate, incoming_rate = interleaved(raw_create, incoming, seconds)

            # Outgoing: deliveries prepared ahead, then timed one `deliver()` each. One event goes
            # through emit and fan-out; the rest are copies of its two documents under new ids, written
            # in batches (a fan-out each would take longer than the runs it feeds).
            def prepared_deliveries(count: int) -> list[str]:
                events.emit(TEAM, "bench.event", {"id": "evt_model"}, event_id="evt_model")
                queued: list[str] = []
                fanout.fan_out(
                    TEAM,
                    "evt_model",
                    enqueue=lambda _f, data, _t, *_: queued.append(data["deliveryId"]) or True,
                )
                event = db().document(f"teams/{TEAM}/events/evt_model").get().to_dict() or {}
                model = db().document(f"teams/{TEAM}/deliveries/{queued[0]}").get().to_dict() or {}
                subscriber = queued[0].split("__", 1)[1]
                delivery_ids: list[str] = []
                batch = db().batch()
                for number in range(count):
                    event_id = f"evt_{number}"
                    delivery_id = f"{event_id}__{subscriber}"
                    batch.set(
                        db().document(f"teams/{TEAM}/events/{event_id}"), {**event, "data": {"id": event_id}}
                    )
                    batch.set(
                        db().document(f"teams/{TEAM}/deliveries/{delivery_id}"),
                        {**model, "eventId": event_id},
                    )
                    delivery_ids.append(delivery_id)
                    if len(batch) >= 400:
                        batch.commit()
                        batch = db().batch()
                batch.commit()
                return delivery_ids

            # Enough for 1 s of warm-up, 4 timed runs and the round-trip count at up to 600 per second.
            pending = prepared_deliveries(int(600 * (1 + 4 * seconds)) + 20)
            session = requests.Session()
            logs = db().collection(f"teams/{TEAM}/plainLogs")

            def outgoing() -> None:
                delivery_id = pending.pop()
                assert delivery.deliver(TEAM, delivery_id, enqueue=lambda *_: True) == "succeeded"

            def plain_post() -> None:
                session.post(
                    f"{receiver.url}/hook", data=b'{"type":"bench.event"}', timeout=15
                ).raise_for_status()
                logs.document().set({"endpoint": receiver.url, "statusCode": 200})

            per_second(outgoing, 1.0)
            plain_rate, outgoing_rate = interleaved(plain_post, outgoing, seconds)
            round_trips = RoundTrips(db())
            outgoing_trips = round_trips.per_call(outgoing, 20)
            plain_trips = round_trips.per_call(plain_post, 20)

        print(f"\nWebhooks, {seconds:.0f} s per run, medians of 4 interleaved runs, one emulator:\n")
        print("| measurement | per second | ratio to its baseline | goal |")
        print("| --- | --- | --- | --- |")
        print(f"| raw Firestore create() (baseline) | {raw_rate:,.0f} | 1.00x | |")
        print(
            f"| incoming: verified and stored (webhook_generic) | {incoming_rate:,.0f} | {incoming_rate / raw_rate:.2f}x | >= 0.6x |"
        )
        print(f"| plain requests.post + one set() (baseline) | {plain_rate:,.0f} | 1.00x | |")
        print(
            f"| outgoing: signed delivery with attempt and audit records | {outgoing_rate:,.0f} | {outgoing_rate / plain_rate:.2f}x | >= 0.5x |"
        )
        print(
            f"\nFirestore round trips per request: outgoing delivery {outgoing_trips:.1f}, "
            f"its baseline {plain_trips:.1f}"
        )
        ok = incoming_rate / raw_rate >= 0.6
        print(f"\nGoal: incoming at least 0.6x raw create() ({'met' if ok else 'NOT met'})")
        ok = outgoing_rate / plain_rate >= 0.5
        print(f"Goal: outgoing at least 0.5x requests.post + set() ({'met' if ok else 'NOT met'})")
        return 0
    finally:
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
