"""Stamp `uid` on every team membership that lacks it, once, after deploying the console's `teams_list`.

    GOOGLE_CLOUD_PROJECT=<project> venv/bin/python tools/stamp_member_uids.py

Memberships written from now on are stamped by the trigger `on_member_written`; this covers those
written before it existed. Safe to run again (it writes only what is missing). Uses the Application
Default Credentials, or the Firestore emulator when FIRESTORE_EMULATOR_HOST is set.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.store.members import stamp_every_uid


def main() -> int:
    print(f"memberships stamped: {stamp_every_uid()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
