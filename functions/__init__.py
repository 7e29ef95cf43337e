"""The registry of deployed functions: every module here is one function, named like its file."""

import shared.runtime  # noqa: F401  (global options and secrets before any decorator runs)
from functions.api_keys_create import api_keys_create
from functions.api_keys_delete import api_keys_delete
from functions.api_keys_get import api_keys_get
from functions.api_keys_list import api_keys_list
from functions.api_keys_update import api_keys_update
from functions.api_keys_validate import api_keys_validate
from functions.integrations_create import integrations_create
from functions.integrations_delete import integrations_delete
from functions.integrations_get import integrations_get
from functions.integrations_list import integrations_list
from functions.integrations_test import integrations_test
from functions.integrations_update import integrations_update
from functions.job_refresh_tokens import job_refresh_tokens
from functions.marketplace_list import marketplace_list
from functions.oauth_callback import oauth_callback
from functions.oauth_providers_list import oauth_providers_list
from functions.oauth_providers_set import oauth_providers_set
from functions.oauth_start import oauth_start
from functions.oauth_tokens_get import oauth_tokens_get
from functions.oauth_tokens_refresh import oauth_tokens_refresh
from functions.oauth_tokens_revoke import oauth_tokens_revoke
from functions.oauth_tokens_store import oauth_tokens_store
from functions.on_integration_deleted import on_integration_deleted
from functions.request_logs_create import request_logs_create
from functions.request_logs_list import request_logs_list
from functions.taskRefreshToken import taskRefreshToken

__all__ = [
    "api_keys_create",
    "api_keys_delete",
    "api_keys_get",
    "api_keys_list",
    "api_keys_update",
    "api_keys_validate",
    "integrations_create",
    "integrations_delete",
    "integrations_get",
    "integrations_list",
    "integrations_test",
    "integrations_update",
    "job_refresh_tokens",
    "marketplace_list",
    "oauth_callback",
    "oauth_providers_list",
    "oauth_providers_set",
    "oauth_start",
    "oauth_tokens_get",
    "oauth_tokens_refresh",
    "oauth_tokens_revoke",
    "oauth_tokens_store",
    "on_integration_deleted",
    "request_logs_create",
    "request_logs_list",
    "taskRefreshToken",
]
