"""A separate process refreshing one connection from several threads at a given moment (race tests).

    python tests/support/refresh_worker.py TEAM CONNECTION START_AT_UNIX THREADS [force]

Each thread asks for a valid token (`access_token_for`), or with `force`, for a refresh at the provider
now (`refresh(force=True)`, what `oauth_tokens_refresh` without `newToken` does). Prints each access
token it got, one per line. Uses the environment's Firestore emulator and project.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from shared import log
from shared.oauth import tokens


def main() -> int:
    log.set_stream(sys.stderr)  # stdout carries the tokens only
    team_id, oauth_id, start_at, thread_count = (
        sys.argv[1],
        sys.argv[2],
        float(sys.argv[3]),
        int(sys.argv[4]),
    )
    forced = sys.argv[5:] == ["force"]
    results: list[str] = []
    failures: list[BaseException] = []

    def worker() -> None:
        time.sleep(max(0.0, start_at - time.time()))
        try:
            if forced:
                results.append(tokens.refresh(team_id, oauth_id, force=True).access_token)
            else:
                results.append(tokens.access_token_for(team_id, oauth_id))
        except BaseException as error:  # noqa: BLE001 - reported to the test through the exit code
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(thread_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for token in results:
        print(token)
    for failure in failures:
        print(f"failed: {type(failure).__name__}: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
