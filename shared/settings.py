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
    # How long an instance may verify incoming webhooks with its cached copy of an integration and
    # its secrets: a disabled or deleted integration, or a changed secret, takes effect within this.
    integration_cache_seconds: float
    # How often buffered API-key usage (usageCount, lastUsed) is written back; at most 60 s by contract.
    api_key_usage_flush_seconds: float
    # Outbound requests may reach loopback and private networks only when this is set: in
    # `.env.local`, which the Firebase emulator loads and a deploy never does.
    allow_private_networks: bool
    outbound_connect_timeout_seconds: float
    outbound_read_timeout_seconds: float
    outbound_max_response_bytes: int
    outbound_max_retries: int
    outbound_retry_budget_seconds: float
    # How long audit records of outbound requests are kept (a TTL policy on `expireAt`).
    audit_retention_days: int
    # Slack's Web API; tests and the emulator may point it at a local stand-in.
    slack_api_base_url: str
    # The public URL of `oauth_callback`, the redirect URI registered with every provider.
    oauth_callback_url: str
    # The public URL of `oauth_authorize`, where `oauth_start` sends the browser first. It must share
    # the callback's origin: the cookie it sets there is what the callback checks.
    oauth_authorize_url: str
    # Origins (scheme://host[:port]) a user may be sent back to after connecting; under the emulator,
    # any http://localhost or 127.0.0.1 URL is allowed too.
    oauth_return_origins: tuple[str, ...]
    # JSON {provider: {authorizationUrl, tokenUrl, revocationUrl}} replacing a built-in provider's
    # endpoints (a regional Salesforce login, a sandbox, or a local stand-in in tests).
    oauth_provider_endpoints: str
    # The public URL prefix the webhook functions are reached under by name (`{base}/webhook_hubspot/...`):
    # HubSpot v3 signs the full URL it calls, which the function does not see as such behind Google's
    # front end, a proxy or a Hosting rewrite. Defaults to the cloudfunctions.net URL (the emulator's
    # under the emulator); set WEBHOOK_PUBLIC_BASE_URL for a custom domain.
    webhook_public_base_url: str = ""
    # The sync engine's signposts: no remote cursor moves closer to a run's start than this (a CRM's
    # search shows changes late: HubSpot's by up to an hour), nor the local one closer than its own lag.
    # What lies between is read again by the next run and, being unchanged, writes nothing.
    sync_remote_lag_seconds: float = 3600.0
    sync_local_lag_seconds: float = 10.0
    # How long one run's task works before it queues its own continuation (its timeout is 540 s).
    sync_run_budget_seconds: float = 420.0


def _project_id() -> str:
    for name in ("GCLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCP_PROJECT"):
        value = os.environ.get(name)
        if value:
            return value
    return DEFAULT_PROJECT_ID


def _default_functions_url(emulated: bool) -> str:
    project = _project_id()
    if _env_bool("FUNCTIONS_EMULATOR", False) or emulated:
        return f"http://127.0.0.1:5001/{project}/us-central1"
    return f"https://us-central1-{project}.cloudfunctions.net"


def _default_callback_url(emulated: bool) -> str:
    project = _project_id()
    if _env_bool("FUNCTIONS_EMULATOR", False) or emulated:
        return f"http://127.0.0.1:5001/{project}/us-central1/oauth_callback"
    return f"https://us-central1-{project}.cloudfunctions.net/oauth_callback"


def _beside(url: str, function_id: str) -> str:
    """The URL of another function at the same place: `.../oauth_callback` -> `.../oauth_authorize`."""
    head, _, _ = url.partition("?")
    return f"{head.rstrip('/').rsplit('/', 1)[0]}/{function_id}"


@functools.cache
def get_settings() -> Settings:
    firestore_emulator_host = os.environ.get("FIRESTORE_EMULATOR_HOST") or None
    emulated = _env_bool("FUNCTIONS_EMULATOR", False) or firestore_emulator_host is not None
    flush_seconds = _env_float("API_KEY_USAGE_FLUSH_SECONDS", 10.0)
    callback_url = os.environ.get("OAUTH_CALLBACK_URL") or _default_callback_url(emulated)
    return Settings(
        project_id=_project_id(),
        emulated=emulated,
        firestore_emulator_host=firestore_emulator_host,
        api_key_cache_seconds=max(0.0, _env_float("API_KEY_CACHE_SECONDS", 10.0)),
        integration_cache_seconds=max(0.0, _env_float("INTEGRATION_CACHE_SECONDS", 10.0)),
        api_key_usage_flush_seconds=min(60.0, max(0.05, flush_seconds)),
        allow_private_networks=_env_bool("ALLOW_PRIVATE_NETWORKS", False),
        outbound_connect_timeout_seconds=_env_float("OUTBOUND_CONNECT_TIMEOUT_SECONDS", 5.0),
        outbound_read_timeout_seconds=_env_float("OUTBOUND_READ_TIMEOUT_SECONDS", 15.0),
        outbound_max_response_bytes=int(_env_float("OUTBOUND_MAX_RESPONSE_BYTES", 1024 * 1024)),
        outbound_max_retries=int(_env_float("OUTBOUND_MAX_RETRIES", 3)),
        outbound_retry_budget_seconds=_env_float("OUTBOUND_RETRY_BUDGET_SECONDS", 30.0),
        audit_retention_days=int(_env_float("AUDIT_RETENTION_DAYS", 30)),
        slack_api_base_url=os.environ.get("SLACK_API_BASE_URL", "https://slack.com/api").rstrip("/"),
        oauth_callback_url=callback_url,
        oauth_authorize_url=os.environ.get("OAUTH_AUTHORIZE_URL") or _beside(callback_url, "oauth_authorize"),
        oauth_return_origins=tuple(
            origin.strip().rstrip("/")
            for origin in os.environ.get("OAUTH_RETURN_ORIGINS", "").split(",")
            if origin.strip()
        ),
        oauth_provider_endpoints=os.environ.get("OAUTH_PROVIDER_ENDPOINTS", ""),
        sync_remote_lag_seconds=max(0.0, _env_float("SYNC_REMOTE_LAG_SECONDS", 3600.0)),
        sync_local_lag_seconds=max(0.0, _env_float("SYNC_LOCAL_LAG_SECONDS", 10.0)),
        sync_run_budget_seconds=max(1.0, _env_float("SYNC_RUN_BUDGET_SECONDS", 420.0)),
        webhook_public_base_url=(
            os.environ.get("WEBHOOK_PUBLIC_BASE_URL", "").strip() or _default_functions_url(emulated)
        ).rstrip("/"),
    )


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
