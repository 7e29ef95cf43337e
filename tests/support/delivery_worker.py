"""A separate process making one delivery attempt, so that a test can kill it mid-attempt (crash tests).

    python tests/support/delivery_worker.py TEAM DELIVERY_ID

Prints the outcome. Uses the environment's Firestore emulator and project; queues nothing (each task it
would queue is printed instead).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from shared import log
from shared.webhooks import delivery


def print_task(function_name: str, data: dict[str, Any], *_: Any) -> bool:
    print(f"queued {function_name} {data}")
    return True


def main() -> int:
    log.set_stream(sys.stderr)  # stdout carries the outcome only
    print(delivery.deliver(sys.argv[1], sys.argv[2], enqueue=print_task))
    return 0


if __name__ == "__main__":
    sys.exit(main())
