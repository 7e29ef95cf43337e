"""Settings every tier shares: a test encryption keyring, and JSON log lines captured per test."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator

import pytest

from shared import crypto, log
from shared.settings import reset_settings

# A fixed keyring for tests; production keys come from Secret Manager (shared/runtime.py).
os.environ.setdefault("ENCRYPTION_KEYS", "v1:" + base64.b64encode(b"k" * 32).decode())


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    reset_settings()
    crypto.reset_keyring()
    yield
    reset_settings()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything the product logs during the test, as JSON lines."""
    stream = io.StringIO()
    log.set_stream(stream)
    try:
        yield stream
    finally:
        log.set_stream(None)
