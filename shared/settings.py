"""Settings read once from the environment on first use, never at import."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

DEFAULT_PROJECT_ID = "demo-integrations"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    project_id: str
    # Set by the Firebase emulator suite for functions it runs, or by tests.
    emulated: bool
    firestore_emulator_host: str | None
    # How long an instance may answer from its cached copy of an API key's metadata. A disabled,
    # expired, deleted or re-scoped key takes effect everywhere within this bound. 0 turns the cache off.
    api_key_cache_seconds: float
    # How often buffered API-key usage (usageCount, lastUsed) is written back; at most 60 s by contract.
    api_key_usage_flush_seconds: float


def _project_id() -> str:
    for name in ("GCLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCP_PROJECT"):
        value = os.environ.get(name)
        if value:
            return value
    return DEFAULT_PROJECT_ID


@functools.cache
def get_settings() -> Settings:
    firestore_emulator_host = os.environ.get("FIRESTORE_EMULATOR_HOST") or None
    emulated = _env_bool("FUNCTIONS_EMULATOR", False) or firestore_emulator_host is not None
    flush_seconds = _env_float("API_KEY_USAGE_FLUSH_SECONDS", 10.0)
    return Settings(
        project_id=_project_id(),
        emulated=emulated,
        firestore_emulator_host=firestore_emulator_host,
        api_key_cache_seconds=max(0.0, _env_float("API_KEY_CACHE_SECONDS", 10.0)),
        api_key_usage_flush_seconds=min(60.0, max(0.05, flush_seconds)),
    )


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
