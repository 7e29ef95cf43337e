"""Mutation testing of the modules whose regressions the suite once let through (issue 9); outside CI.

Usage:
    venv/bin/python tools/mutate.py                        # every mutant of the modules in pyproject.toml
    venv/bin/python tools/mutate.py 'shared.outbound.*'    # only these (mutmut's mutant-name globs)

mutmut (pinned in requirements-dev.txt) copies the code into ./mutants, runs the test files named in
pyproject.toml's [tool.mutmut] once to learn which tests run each function, then runs, for each mutant,
only those tests, stopping at the first failure. One Firestore emulator is started here and shared by
every one of those runs (TEST_FIRESTORE_EMULATOR_HOST; each test has a project of its own). At the end it
prints the mutants no test noticed; `venv/bin/mutmut show <name>` shows one's change. Results stay in
./mutants: a later run retests only the mutants whose code or tests changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.firestore_emulator import FirestoreEmulator  # noqa: E402

MUTMUT = ROOT / "venv" / "bin" / "mutmut"
# Outcomes that mean a test noticed the mutant, or that it was not run (outside the names asked for);
# everything else (survived, no tests, timeout, suspicious) is listed.
NOT_LISTED = {"killed", "caught by type check", "not checked"}


def results() -> list[tuple[str, str]]:
    """(mutant, outcome) for every mutant that was not killed."""
    listed = subprocess.run(
        [str(MUTMUT), "results"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    found = []
    for line in listed.splitlines():
        name, _, outcome = line.strip().rpartition(": ")
        if name:
            found.append((name, outcome))
    return found


def main(patterns: list[str]) -> int:
    jobs = os.environ.get("MUTATE_JOBS", str(os.cpu_count() or 2))
    emulator = FirestoreEmulator(ROOT / "firestore.rules")
    emulator.start()
    started = time.monotonic()
    try:
        env = {**os.environ, "TEST_FIRESTORE_EMULATOR_HOST": emulator.host}
        run = subprocess.run([str(MUTMUT), "run", "--max-children", jobs, *patterns], cwd=ROOT, env=env)
    finally:
        emulator.stop()
    minutes = (time.monotonic() - started) / 60
    survivors = [(name, outcome) for name, outcome in results() if outcome not in NOT_LISTED]
    print(f"\nmutmut finished in {minutes:.1f} min (exit {run.returncode}).")
    print("Mutants no test noticed (`venv/bin/mutmut show NAME` shows the change):")
    for name, outcome in survivors:
        print(f"  {name}  [{outcome}]")
    counts = Counter(outcome for _, outcome in survivors)
    print(
        f"{len(survivors)} not noticed: "
        + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    )
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
