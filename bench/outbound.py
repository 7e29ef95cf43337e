"""The outbound client's cost, as a ratio measured in one run against one Firestore emulator.

    venv/bin/python bench/outbound.py [--seconds 3]

Baseline: plain `requests` (a pooled session) to a local server plus one plain Firestore `set()` per
request (the least an audited call can cost). Measured: the same requests through `shared.outbound`
(guard, retries policy, size cap, redaction, one audit record each). Goal: at most 1.3x the baseline.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ENCRYPTION_KEYS", "v1:" + "a" * 43 + "=")

from tests.support.firestore_emulator import FirestoreEmulator  # noqa: E402
from tests.support.http_servers import Reply, serving  # noqa: E402


def per_second(operation: Callable[[], object], seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        operation()
        done += 1
    return done / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    seconds = parser.parse_args().seconds

    emulator = FirestoreEmulator(ROOT / "firestore.rules")
    emulator.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    os.environ["GCLOUD_PROJECT"] = "bench-outbound"
    try:
        from shared import outbound
        from shared.settings import get_settings
        from shared.store.client import db

        settings = dataclasses.replace(get_settings(), allow_private_networks=True)
        client = outbound.OutboundClient(settings)
        target = outbound.AuditTarget("bench-team", "bench-integration", "bench")
        session = requests.Session()
        logs = db().collection("teams/bench-team/integrationLogs")
        payload = {"type": "bench.event", "data": {"n": 1}}

        with serving(lambda _request: Reply(200, b'{"ok":true}')) as server:
            url = f"{server.url}/hook?token=not-a-real-token"

            def baseline() -> None:
                response = session.post(url, json=payload, timeout=(5, 15))
                response.raise_for_status()
                logs.document().set(
                    {
                        "integrationId": "bench-integration",
                        "method": "POST",
                        "endpoint": url,
                        "statusCode": response.status_code,
                        "duration": 1.0,
                        "success": True,
                        "userId": "bench",
                        "timestamp": datetime.now(UTC),
                    }
                )

            def through_client() -> None:
                response = client.send(outbound.OutboundRequest("POST", url, json=payload), target)
                assert response.ok

            # Warm up the emulator's JVM (it keeps speeding up for several seconds) and both paths.
            per_second(baseline, 8.0)
            per_second(through_client, 2.0)
            baseline_runs, client_runs = [], []
            for round_number in range(4):
                pair = [(baseline_runs, baseline), (client_runs, through_client)]
                for runs, operation in pair if round_number % 2 == 0 else reversed(pair):
                    runs.append(per_second(operation, seconds))

        baseline_rate = statistics.median(baseline_runs)
        client_rate = statistics.median(client_runs)
        cost = baseline_rate / client_rate
        print(
            f"\nOutbound requests to a local server, {seconds:.0f} s per run, medians of 4 interleaved runs:\n"
        )
        print("| path | requests per second | time per request vs baseline |")
        print("| --- | --- | --- |")
        print(f"| plain requests + one Firestore set() (baseline) | {baseline_rate:,.0f} | 1.00x |")
        print(f"| shared.outbound with its audit record | {client_rate:,.0f} | {cost:.2f}x |")
        print(f"\nGoal: the client costs at most 1.3x the baseline ({'met' if cost <= 1.3 else 'NOT met'})")
        return 0
    finally:
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
