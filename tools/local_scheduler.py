"""Run the scheduled jobs against the local emulator suite (the emulator does not run them itself).

Started in the background by `make run`. Waits for the emulators, then runs each job's logic on its
schedule: the same plain functions the deployed `job_*` functions call (local-stack.md: Python
scheduled functions are registered on the Pub/Sub emulator but never fired).
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.sweeps import Sweep

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROJECT_ID = "demo-integrations"
QUEUES_RETRY_SECONDS = 5.0


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def scheduled_jobs() -> dict[str, Sweep]:
    """Every job_* function and the sweep it starts (a unit test checks that none is missing)."""
    from shared.oauth.scheduler import REFRESH_SWEEP
    from shared.reports.schedule import DUE_REPORTS
    from shared.sync.runs import DUE_SYNCS
    from shared.webhooks.recovery import FANOUT_RECOVERY_SWEEP

    return {
        "job_refresh_tokens": REFRESH_SWEEP,
        "job_recover_fanouts": FANOUT_RECOVERY_SWEEP,
        "job_run_due_syncs": DUE_SYNCS,
        "job_run_due_reports": DUE_REPORTS,
    }


def main() -> int:
    # Started by `make run`'s runner: when that runner is gone (stopped other than by a Ctrl-C to the
    # whole group), the scheduler goes too, or it would fire jobs into the next emulator suite started
    # on these ports (an e2e run's, whose tests count the tasks they queue).
    parent = os.getppid()
    os.environ.setdefault("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8080")
    os.environ.setdefault("CLOUD_TASKS_EMULATOR_HOST", "127.0.0.1:9499")
    os.environ.setdefault("GCLOUD_PROJECT", PROJECT_ID)
    while not (_reachable("127.0.0.1", 5001) and _reachable("127.0.0.1", 9499)):
        if os.getppid() != parent:
            return 0
        time.sleep(2)
    time.sleep(5)  # let the functions emulator register the task queues

    import firebase_admin
    import firebase_admin.exceptions

    from shared import log

    if not firebase_admin._apps:
        firebase_admin.initialize_app(options={"projectId": PROJECT_ID})
    # Each job_* function starts its sweep; the page and item tasks then run in the functions emulator,
    # dispatched by its Cloud Tasks emulator, as in production.
    jobs = scheduled_jobs()
    next_run = dict.fromkeys(jobs, 0.0)
    log.info("local scheduler running", jobs=sorted(jobs))
    while os.getppid() == parent:
        now = time.monotonic()
        for name, sweep in jobs.items():
            if now >= next_run[name]:
                next_run[name] = now + sweep.every.total_seconds()
                try:
                    with log.bound(function=name):
                        sweep.start()
                except firebase_admin.exceptions.NotFoundError:
                    # The functions emulator registers the task queues after it loads every function,
                    # which can come after its port answers: try again shortly, not a period later.
                    next_run[name] = now + QUEUES_RETRY_SECONDS
                    log.info("task queues not registered yet; retrying", job=name)
                except Exception as error:  # noqa: BLE001 - a failed run is logged; the next one comes
                    log.exception("local scheduled job failed", error)
        time.sleep(5)
    log.info("local scheduler stopped: the emulator runner is gone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
