"""A real Firestore emulator for the integration tier: the Cloud SDK's jar, started as a bare JVM.

The JVM is started directly (not through the SDK's wrapper script, which does not `exec`) so the
process we hold is the server and stopping it leaves nothing behind (local-stack.md).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tools.emulators import FIRESTORE_MAIN_CLASS, cloud_sdk_root, java_bin_dir

READY_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def firestore_jar() -> Path:
    sdk_root = cloud_sdk_root()
    candidates = []
    if sdk_root is not None:
        candidates.append(sdk_root / "platform/cloud-firestore-emulator/cloud-firestore-emulator.jar")
    # Where firebase-tools keeps the jar it downloads, on machines that can download it.
    candidates += sorted((Path.home() / ".cache/firebase/emulators").glob("cloud-firestore-emulator-*.jar"))
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise RuntimeError(
        "no Firestore emulator jar: install the Cloud SDK's google-cloud-cli-firestore-emulator"
    )


def java_binary() -> str:
    # Java 17 is enough for the bare emulator, but use the same Java as the suite when there is one.
    java_dir = java_bin_dir()
    if java_dir is not None:
        return str(java_dir / "java")
    return shutil.which("java") or "java"


class FirestoreEmulator:
    def __init__(self, rules_file: Path) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.rules_file = rules_file
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = Path(tempfile.gettempdir()) / f"firestore-emulator-{self.port}.log"

    @classmethod
    def already_running(cls, host: str, rules_file: Path) -> FirestoreEmulator:
        """An emulator started elsewhere (`make mutate` shares one across its many test runs); `stop()`
        leaves it running."""
        emulator = cls(rules_file)
        emulator.host = host
        emulator.port = int(host.rsplit(":", 1)[1])
        return emulator

    def start(self) -> None:
        command = [
            java_binary(),
            "-Duser.language=en",
            "-cp",
            str(firestore_jar()),
            FIRESTORE_MAIN_CLASS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--rules",
            str(self.rules_file),
        ]
        log = self._log_path.open("wb")
        self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the Firestore emulator exited; see {self._log_path}")
            try:
                if requests.get(f"http://{self.host}/", timeout=1).ok:
                    return
            except (requests.ConnectionError, requests.Timeout):
                # A JVM starting on a loaded machine may accept the connection and answer late.
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the Firestore emulator did not start in time; see {self._log_path}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None

    def load_rules(self, project_id: str, rules: str) -> None:
        body = {"rules": {"files": [{"name": "firestore.rules", "content": rules}]}}
        response = requests.put(
            f"http://{self.host}/emulator/v1/projects/{project_id}:securityRules", json=body, timeout=10
        )
        response.raise_for_status()
