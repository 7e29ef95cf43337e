"""One deployed function served by functions-framework in a process of its own: an instance, over HTTP.

The process inherits the environment (the emulator's host, the project), so it talks to the same
Firestore as the test. Several servers of one function are several instances sharing nothing but
Firestore, as in production.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tests.support.firestore_emulator import free_port

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 60


class FunctionServer:
    def __init__(self, target: str) -> None:
        self.target = target
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"functions-framework-{target}-{self.port}.log"

    def start(self) -> None:
        env = {**os.environ, "FUNCTION_TARGET": self.target, "PORT": str(self.port)}
        command = [
            str(ROOT / "venv/bin/functions-framework"),
            "--target",
            self.target,
            "--port",
            str(self.port),
        ]
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_until_ready(self) -> None:
        """Until the server answers a request at all (a bare GET is refused by a callable: fine)."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"functions-framework exited; see {self.log_path}")
            try:
                requests.get(self.url, timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise RuntimeError(f"functions-framework did not start in time; see {self.log_path}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
