"""The registry of deployed functions: every module here is one function, named like its file.

A function's module is imported when the function is first asked for (PEP 562 `__getattr__`), so the
cold start of one deployed function imports that function's code and what it uses, not every
function's (bench/cold_start.py). functions-framework finds its target with `getattr`; the SDK's
manifest discovery lists them all with `dir()` and loads each.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

import shared.runtime  # noqa: F401  (global options and secrets before any decorator runs)

__all__ = [
    "api_keys_create",
    "api_keys_delete",
    "api_keys_get",
    "api_keys_list",
    "api_keys_update",
    "api_keys_validate",
    "deliveries_list",
    "deliveries_retry",
    "event_subscriptions_create",
    "event_subscriptions_delete",
    "event_subscriptions_list",
    "graphql_schema_get",
    "graphql_schema_restore",
    "graphql_schema_set",
    "integrations_create",
    "integrations_delete",
    "integrations_get",
    "integrations_list",
    "integrations_rotate_secret",
    "integrations_test",
    "integrations_update",
    "job_recover_fanouts",
    "job_refresh_tokens",
    "job_run_due_reports",
    "job_run_due_syncs",
    "marketplace_list",
    "oauth_authorize",
    "oauth_callback",
    "oauth_providers_list",
    "oauth_providers_set",
    "oauth_start",
    "oauth_tokens_get",
    "oauth_tokens_refresh",
    "oauth_tokens_revoke",
    "oauth_tokens_store",
    "on_contact_written",
    "on_event_created",
    "on_integration_deleted",
    "on_member_written",
    "on_ticket_comment_created",
    "on_ticket_written",
    "on_webhook_event_created",
    "public_api",
    "public_graphql",
    "request_logs_create",
    "request_logs_list",
    "rest_endpoints_create",
    "rest_endpoints_delete",
    "rest_endpoints_list",
    "sync_attempts_log",
    "sync_configs_create",
    "sync_configs_delete",
    "sync_configs_list",
    "sync_configs_update",
    "sync_conflicts_list",
    "sync_conflicts_resolve",
    "sync_remote_fields",
    "sync_run_now",
    "sync_runs_list",
    "taskDeliverEvent",
    "taskFanOutEvent",
    "taskRecoverFanoutsPage",
    "taskRefreshToken",
    "taskRefreshTokensPage",
    "taskRunDueReportsPage",
    "taskRunDueSyncsPage",
    "taskRunReport",
    "taskRunSync",
    "teams_list",
    "webhook_generic",
    "webhook_hubspot",
    "webhook_slack",
    "webhook_zapier",
    "webhook_zapier_samples",
    "webhook_zapier_subscribe",
    "webhook_zapier_unsubscribe",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Importing the submodule binds the package attribute; _Registry turns it into the function.
    importlib.import_module(f"{__name__}.{name}")
    return globals()[name]


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Registry(types.ModuleType):
    """The package's attribute for a function is the function, never the module of the same name.

    Python's import system sets `functions.<name>` to the submodule once it is loaded (whoever imports
    it first, this registry or a test importing the module directly); the eager registry used to
    rebind it to the function with `from functions.<name> import <name>`, and this does the same.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in __all__ and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Registry
