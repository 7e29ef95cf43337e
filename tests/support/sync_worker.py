"""A separate process working one sync task, for crash tests: the test kills it (SIGKILL) mid-run.

    python tests/support/sync_worker.py '<SyncTask JSON>'

Uses the environment's Firestore emulator, project and settings. Tasks the run queues (its continuation)
are printed to stdout as JSON lines instead of being sent to Cloud Tasks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from shared import log, tasks
from shared.sync import runs


def main() -> int:
    log.set_stream(sys.stderr)

    def print_task(function_name: str, data: dict[str, Any], *_: Any, **__: Any) -> bool:
        print(json.dumps({"function": function_name, "data": data}), flush=True)
        return True

    tasks.enqueue = print_task  # type: ignore[assignment]
    outcome = runs.execute(runs.SyncTask.model_validate(json.loads(sys.argv[1])))
    print(json.dumps({"outcome": outcome}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
