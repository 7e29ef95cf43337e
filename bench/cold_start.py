"""The cold start every deployed function pays: importing `main.py`, in fresh processes.

    venv/bin/python bench/cold_start.py [--runs 7]

Every deployed function is served by a process that imports `main.py` whole (functions-framework loads
the source's entry point), so its import time is paid on every cold start. Baseline: a fresh process
importing only what any function needs from outside the project (the trigger modules of
`firebase_functions`, `firebase_admin`, `google.cloud.firestore`, `pydantic`, `requests`). Runs alternate
between the two so that a noisy neighbour slows both alike; the medians and their ratio are printed.
Goal: at most 1.3x. Further lines measure the first call a function then makes (building the models it
uses on first need) and loading every function (what the SDK's manifest discovery does at deploy time), so
the work moved out of the cold start is shown, not hidden.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASELINE = (
    "import firebase_functions.https_fn, firebase_functions.firestore_fn, firebase_functions.scheduler_fn, "
    "firebase_functions.tasks_fn, firebase_admin, google.cloud.firestore, pydantic, requests"
)
# What functions-framework does on a cold start: import main.py, look up its target.
PRODUCT = "import main; main.api_keys_validate"
# ... then the first validation it serves builds the models it uses (deferred: see shared/models/base.py).
FIRST_CALL = (
    PRODUCT + "; from shared.callables import parse; from shared.models.api_keys import ApiKeyValidate, "
    "ApiKeyValidation, ValidationCode; parse(ApiKeyValidate, {'key': 'jk_live_x'}); "
    "ApiKeyValidation(valid=False, code=ValidationCode.NOT_FOUND).to_wire()"
)
# Every function loaded, as the SDK's manifest discovery does at deploy time (and the old main.py did on
# every cold start).
EVERY_FUNCTION = "import main; [getattr(main, name) for name in main.__all__]"


def seconds_to_run(code: str) -> float:
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    # Byte-compile once so that no measured process pays for writing .pyc files.
    for code in (BASELINE, PRODUCT, FIRST_CALL, EVERY_FUNCTION):
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    codes = {"baseline": BASELINE, "product": PRODUCT, "first call": FIRST_CALL, "every": EVERY_FUNCTION}
    timings: dict[str, list[float]] = {key: [] for key in codes}
    for _ in range(runs):
        for key, code in codes.items():
            timings[key].append(seconds_to_run(code))
    baseline = statistics.median(timings["baseline"])
    print(f"cold start, medians of {runs} fresh processes (interpreter start included)")
    print(f"{'measurement':<52} {'seconds':>8} {'ratio':>7}")
    rows = [
        ("baseline: SDK, Admin, Firestore, pydantic, requests", "baseline"),
        ("cold start of api_keys_validate (main.py, its target)", "product"),
        ("  ... and its first validation", "first call"),
        ("every function loaded (deploy-time discovery)", "every"),
    ]
    for label, key in rows:
        value = statistics.median(timings[key])
        print(f"{label:<52} {value:8.3f} {value / baseline:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
