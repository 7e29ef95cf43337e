"""The registry of deployed functions: every module here is one function, named like its file."""

import shared.runtime  # noqa: F401  (global options and secrets before any decorator runs)
from functions.api_keys_create import api_keys_create
from functions.api_keys_delete import api_keys_delete
from functions.api_keys_get import api_keys_get
from functions.api_keys_list import api_keys_list
from functions.api_keys_update import api_keys_update
from functions.api_keys_validate import api_keys_validate
from functions.deliveries_list import deliveries_list
from functions.deliveries_retry import deliveries_retry
from functions.event_subscriptions_create import event_subscriptions_create
from functions.event_subscriptions_delete import event_subscriptions_delete
from functions.event_subscriptions_list import event_subscriptions_list
from functions.integrations_create import integrations_create
from functions.integrations_delete import integrations_delete
from functions.integrations_get import integrations_get
from functions.integrations_list import integrations_list
from functions.integrations_rotate_secret import integrations_rotate_secret
from functions.integrations_test import integrations_test
from functions.integrations_update import integrations_update
from functions.job_recover_fanouts import job_recover_fanouts
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
from functions.on_contact_written import on_contact_written
from functions.on_event_created import on_event_created
from functions.on_integration_deleted import on_integration_deleted
from functions.on_ticket_comment_created import on_ticket_comment_created
from functions.on_ticket_written import on_ticket_written
from functions.on_webhook_event_created import on_webhook_event_created
from functions.request_logs_create import request_logs_create
from functions.request_logs_list import request_logs_list
from functions.taskDeliverEvent import taskDeliverEvent
from functions.taskFanOutEvent import taskFanOutEvent
from functions.taskRecoverFanoutsPage import taskRecoverFanoutsPage
from functions.taskRefreshToken import taskRefreshToken
from functions.taskRefreshTokensPage import taskRefreshTokensPage
from functions.webhook_generic import webhook_generic
from functions.webhook_hubspot import webhook_hubspot
from functions.webhook_slack import webhook_slack
from functions.webhook_zapier import webhook_zapier
from functions.webhook_zapier_samples import webhook_zapier_samples
from functions.webhook_zapier_subscribe import webhook_zapier_subscribe
from functions.webhook_zapier_unsubscribe import webhook_zapier_unsubscribe

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
    "integrations_create",
    "integrations_delete",
    "integrations_get",
    "integrations_list",
    "integrations_rotate_secret",
    "integrations_test",
    "integrations_update",
    "job_recover_fanouts",
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
    "on_contact_written",
    "on_event_created",
    "on_integration_deleted",
    "on_ticket_comment_created",
    "on_ticket_written",
    "on_webhook_event_created",
    "request_logs_create",
    "request_logs_list",
    "taskDeliverEvent",
    "taskFanOutEvent",
    "taskRecoverFanoutsPage",
    "taskRefreshToken",
    "taskRefreshTokensPage",
    "webhook_generic",
    "webhook_hubspot",
    "webhook_slack",
    "webhook_zapier",
    "webhook_zapier_samples",
    "webhook_zapier_subscribe",
    "webhook_zapier_unsubscribe",
]
