"""Every collection name and document path, in one place."""

from __future__ import annotations

from datetime import date

TEAMS = "teams"
MEMBERS = "members"
API_KEYS = "apiKeys"
API_KEY_INDEX = "apiKeyIndex"
RATE_COUNTERS = "rateCounters"
IDEMPOTENCY_KEYS = "idempotencyKeys"
INTEGRATIONS = "integrations"
INTEGRATION_LOGS = "integrationLogs"
SECRETS = "secrets"
OAUTH_TOKENS = "oauthTokens"
OAUTH_PROVIDERS = "oauthProviders"
OAUTH_STATES = "oauthStates"
OAUTH_LEASES = "oauthLeases"
EVENTS = "events"
TICKETS = "tickets"
COMMENTS = "comments"
CONTACTS = "contacts"
AGENTS = "agents"
SYNC_INBOX = "syncInbox"
WEBHOOK_EVENTS = "webhookEvents"
DELIVERIES = "deliveries"
EVENT_SUBSCRIPTIONS = "eventSubscriptions"
SYNC_CONFIGS = "syncConfigs"
SYNC_RUNS = "syncRuns"
SYNC_CONFLICTS = "syncConflicts"
SYNC_LINKS = "links"
CONTACT_CHANGES = "contactChanges"
CONTACT_EMAILS = "contactEmails"


def team(team_id: str) -> str:
    return f"{TEAMS}/{team_id}"


def members(team_id: str) -> str:
    return f"{team(team_id)}/{MEMBERS}"


def member(team_id: str, uid: str) -> str:
    return f"{members(team_id)}/{uid}"


def api_keys(team_id: str) -> str:
    return f"{team(team_id)}/{API_KEYS}"


def api_key(team_id: str, key_id: str) -> str:
    return f"{api_keys(team_id)}/{key_id}"


def api_key_usage_days(team_id: str) -> str:
    return f"{team(team_id)}/apiKeyUsage"


def api_key_usage_day(team_id: str, day: date) -> str:
    """One document per UTC day: `keys.{keyId}` counts that key's validations of the day."""
    return f"{api_key_usage_days(team_id)}/{day.isoformat()}"


def api_key_index(key_hash: str) -> str:
    return f"{API_KEY_INDEX}/{key_hash}"


def api_key_rate_counters(team_id: str, key_id: str, counters_id: str) -> str:
    """All sub-window counters of a key's rate limit, one document; a TTL policy on `expireAt` removes it."""
    return f"{api_key(team_id, key_id)}/{RATE_COUNTERS}/{counters_id}"


def idempotency_record(team_id: str, key_id: str, record_id: str) -> str:
    """One `Idempotency-Key` of one API key on one route (public API); a TTL policy on `expireAt`."""
    return f"{api_key(team_id, key_id)}/{IDEMPOTENCY_KEYS}/{record_id}"


def integrations(team_id: str) -> str:
    return f"{team(team_id)}/{INTEGRATIONS}"


def integration(team_id: str, integration_id: str) -> str:
    return f"{integrations(team_id)}/{integration_id}"


def integration_logs(team_id: str) -> str:
    return f"{team(team_id)}/{INTEGRATION_LOGS}"


def integration_log(team_id: str, record_id: str) -> str:
    return f"{integration_logs(team_id)}/{record_id}"


def team_secrets(team_id: str) -> str:
    """A team's sealed secrets live under `secrets/{teamId}/...`, each part a path segment of its own:
    no two owners share a document, whatever their ids hold. Top level, so no team rule can expose it."""
    return f"{SECRETS}/{team_id}"


def integration_secrets(team_id: str, integration_id: str) -> str:
    """Every secret of one integration, encrypted."""
    return f"{team_secrets(team_id)}/{INTEGRATIONS}/{integration_id}"


def oauth_connections(team_id: str) -> str:
    return f"{team(team_id)}/{OAUTH_TOKENS}"


def oauth_connection(team_id: str, oauth_id: str) -> str:
    return f"{oauth_connections(team_id)}/{oauth_id}"


def oauth_token_secrets(team_id: str, oauth_id: str) -> str:
    """A connection's access and refresh tokens, sealed."""
    return f"{team_secrets(team_id)}/{OAUTH_TOKENS}/{oauth_id}"


def oauth_state(state_hash: str) -> str:
    return f"{OAUTH_STATES}/{state_hash}"


def oauth_lease(team_id: str, oauth_id: str) -> str:
    """Held by the one worker refreshing a connection's token."""
    return f"{OAUTH_LEASES}/{team_id}/{OAUTH_TOKENS}/{oauth_id}"


def oauth_providers(team_id: str) -> str:
    return f"{team(team_id)}/{OAUTH_PROVIDERS}"


def oauth_provider(team_id: str, provider_id: str) -> str:
    return f"{oauth_providers(team_id)}/{provider_id}"


def oauth_provider_secret(team_id: str, provider_id: str) -> str:
    return f"{team_secrets(team_id)}/{OAUTH_PROVIDERS}/{provider_id}"


def events(team_id: str) -> str:
    return f"{team(team_id)}/{EVENTS}"


def event(team_id: str, event_id: str) -> str:
    return f"{events(team_id)}/{event_id}"


def tickets(team_id: str) -> str:
    return f"{team(team_id)}/{TICKETS}"


def ticket(team_id: str, ticket_id: str) -> str:
    return f"{tickets(team_id)}/{ticket_id}"


def ticket_comments(team_id: str, ticket_id: str) -> str:
    """Where `on_ticket_comment_created` listens."""
    return f"{ticket(team_id, ticket_id)}/{COMMENTS}"


def ticket_comment(team_id: str, ticket_id: str, comment_id: str) -> str:
    return f"{ticket_comments(team_id, ticket_id)}/{comment_id}"


def agents(team_id: str) -> str:
    return f"{team(team_id)}/{AGENTS}"


def agent(team_id: str, agent_id: str) -> str:
    return f"{agents(team_id)}/{agent_id}"


def contact(team_id: str, contact_id: str) -> str:
    return f"{team(team_id)}/{CONTACTS}/{contact_id}"


def sync_inbox_item(team_id: str, item_id: str) -> str:
    """A remote record that changed and should be pulled by the sync engine."""
    return f"{team(team_id)}/{SYNC_INBOX}/{item_id}"


def webhook_events(team_id: str) -> str:
    return f"{team(team_id)}/{WEBHOOK_EVENTS}"


def webhook_event(team_id: str, event_id: str) -> str:
    return f"{webhook_events(team_id)}/{event_id}"


def deliveries(team_id: str) -> str:
    return f"{team(team_id)}/{DELIVERIES}"


def delivery(team_id: str, delivery_id: str) -> str:
    return f"{deliveries(team_id)}/{delivery_id}"


def delivery_attempt(team_id: str, delivery_id: str, attempt: int) -> str:
    """The claim of one attempt: created once, by the one worker that makes the attempt."""
    return f"{delivery(team_id, delivery_id)}/attempts/{attempt}"


def event_subscriptions(team_id: str) -> str:
    return f"{team(team_id)}/{EVENT_SUBSCRIPTIONS}"


def event_subscription(team_id: str, subscription_id: str) -> str:
    return f"{event_subscriptions(team_id)}/{subscription_id}"


def subscription_secrets(team_id: str, subscription_id: str) -> str:
    """A subscription's secrets (Zapier's target URL, AWS credentials), sealed."""
    return f"{team_secrets(team_id)}/{EVENT_SUBSCRIPTIONS}/{subscription_id}"


def contacts(team_id: str) -> str:
    return f"{team(team_id)}/{CONTACTS}"


def sync_configs(team_id: str) -> str:
    return f"{team(team_id)}/{SYNC_CONFIGS}"


def sync_config(team_id: str, config_id: str) -> str:
    return f"{sync_configs(team_id)}/{config_id}"


def sync_link(team_id: str, config_id: str, remote_id: str) -> str:
    """Which local contact a remote record is linked to (when its id is not derived from the record)."""
    return f"{sync_config(team_id, config_id)}/{SYNC_LINKS}/{remote_id}"


def sync_runs(team_id: str) -> str:
    return f"{team(team_id)}/{SYNC_RUNS}"


def sync_run(team_id: str, run_id: str) -> str:
    return f"{sync_runs(team_id)}/{run_id}"


def sync_conflicts(team_id: str) -> str:
    return f"{team(team_id)}/{SYNC_CONFLICTS}"


def sync_conflict(team_id: str, conflict_id: str) -> str:
    return f"{sync_conflicts(team_id)}/{conflict_id}"


def contact_changes(team_id: str) -> str:
    """The outbox of local contact changes the sync engine pushes, fed by `on_contact_written`."""
    return f"{team(team_id)}/{CONTACT_CHANGES}"


def contact_change(team_id: str, contact_id: str) -> str:
    return f"{contact_changes(team_id)}/{contact_id}"


def contact_email(team_id: str, email_key: str) -> str:
    """The local contacts holding one (normalised) email: identity by email in one read."""
    return f"{team(team_id)}/{CONTACT_EMAILS}/{email_key}"


REPORTS = "reports"


def reports(team_id: str) -> str:
    return f"{team(team_id)}/{REPORTS}"


def report(team_id: str, report_id: str) -> str:
    return f"{reports(team_id)}/{report_id}"


REST_ENDPOINTS = "restEndpoints"


def rest_endpoints(team_id: str) -> str:
    return f"{team(team_id)}/{REST_ENDPOINTS}"


def rest_endpoint(team_id: str, endpoint_id: str) -> str:
    return f"{rest_endpoints(team_id)}/{endpoint_id}"


GRAPHQL_SCHEMAS = "graphqlSchemas"
# The field of `teams/{teamId}` naming the active version of the team's GraphQL schema.
ACTIVE_GRAPHQL_SCHEMA = "activeGraphqlSchemaId"


def graphql_schemas(team_id: str) -> str:
    return f"{team(team_id)}/{GRAPHQL_SCHEMAS}"


def graphql_schema(team_id: str, schema_id: str) -> str:
    return f"{graphql_schemas(team_id)}/{schema_id}"
