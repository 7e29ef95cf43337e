"""firestore.rules over REST as owner, admin, member, non-member and signed out, for every collection.

Clients read what the console shows and write nothing; server-only documents are closed to everyone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from google.cloud import firestore

from shared import sealed
from shared.integrations.service import seal
from shared.store import paths
from tests.support.firestore_emulator import FirestoreEmulator
from tests.support.rules_client import RulesClient

RULES = (Path(__file__).resolve().parents[2] / "firestore.rules").read_text()
TEAM = "team-a"
USERS = ["owner", "admin", "member", "stranger", None]
MEMBERS = {"owner", "admin", "member"}
OK, DENIED = 200, 403


@pytest.fixture
def seeded(firestore_emulator: FirestoreEmulator, project_id: str, db: firestore.Client, team: str) -> str:
    firestore_emulator.load_rules(project_id, RULES)
    now = datetime.now(UTC)
    db.document(f"teams/{TEAM}/apiKeys/key-1").set(
        {"name": "k", "start": "abcd", "end": "wxyz", "createdAt": now}
    )
    db.document(f"teams/{TEAM}/apiKeys/key-1/rateCounters/60000ms-20").set({"counts": {"1": 3}, "floor": 0})
    db.document(f"teams/{TEAM}/apiKeys/key-1/idempotencyKeys/rec1").set(
        {"state": "completed", "fingerprint": "ab", "status": 201, "body": "{}", "expireAt": now}
    )
    db.document("apiKeyIndex/hash-1").set({"teamId": TEAM, "keyId": "key-1"})
    db.document(f"teams/{TEAM}/integrations/int-1").set(
        {
            "type": "rest",
            "name": "Ticketing API",
            "enabled": True,
            "status": "active",
            "config": {
                "baseUrl": "https://api.example.com",
                "auth": {"type": "bearer", "token": "t0ke…alue"},
            },
            "secretFields": ["auth/token"],
            "createdAt": now,
            "createdBy": "admin",
            "updatedAt": now,
        }
    )
    db.document(f"teams/{TEAM}/integrationLogs/log-1").set(
        {
            "integrationId": "int-1",
            "method": "GET",
            "endpoint": "https://api.example.com/",
            "statusCode": 200,
            "duration": 12.0,
            "success": True,
            "error": None,
            "userId": "admin",
            "timestamp": now,
            "expireAt": now + timedelta(days=30),
        }
    )
    db.document(f"secrets/{TEAM}/integrations/int-1").set(
        seal(TEAM, "int-1", {"auth/token": "t0ken-value"}).to_firestore()
    )
    seed_oauth(db, now)
    seed_incoming_webhooks(db, now)
    seed_outgoing_deliveries(db, now)
    seed_sync(db, now)
    return project_id


def seed_sync(db: firestore.Client, now: datetime) -> None:
    """A contact with its link, a sync configuration and its link index, a run, a conflict, the outbox
    and the email index."""
    db.document(f"teams/{TEAM}/contacts/ct1").set(
        {"email": "ada@example.com", "sync": {"cfg1": {"remoteId": "501", "base": {}}}, "createdAt": now}
    )
    db.document(f"teams/{TEAM}/syncConfigs/cfg1").set(
        {"integrationId": "int-1", "enabled": True, "syncDirection": "bidirectional", "createdAt": now}
    )
    db.document(f"teams/{TEAM}/syncConfigs/cfg1/links/501").set({"contactId": "ct1"})
    db.document(f"teams/{TEAM}/syncRuns/run1").set(
        {"configId": "cfg1", "status": "succeeded", "createdAt": now}
    )
    db.document(f"teams/{TEAM}/syncConflicts/cf1").set(
        {"configId": "cfg1", "status": "open", "createdAt": now}
    )
    db.document(f"teams/{TEAM}/contactChanges/ct1").set({"changedAt": now, "deleted": False})
    db.document(f"teams/{TEAM}/contactEmails/key1").set({"contactIds": ["ct1"]})


def seed_oauth(db: firestore.Client, now: datetime) -> None:
    """A connection, a custom provider, an event, a pending state, a lease and the sealed tokens."""
    db.document(f"teams/{TEAM}/oauthTokens/c1").set(
        {
            "provider": "custom",
            "customProviderId": "acme",
            "userId": "admin",
            "scopes": ["contacts"],
            "status": "active",
            "expiresAt": now + timedelta(hours=1),
            "account": {},
            "accessTokenHint": "at-a…wxyz",
            "hasRefreshToken": True,
            "createdAt": now,
            "updatedAt": now,
            "lastRefreshedAt": now,
        }
    )
    db.document(f"teams/{TEAM}/oauthProviders/acme").set(
        {
            "name": "Acme CRM",
            "authorizationUrl": "https://auth.acme.example/authorize",
            "tokenUrl": "https://auth.acme.example/token",
            "scopes": ["contacts"],
            "scopeSeparator": " ",
            "pkce": True,
            "clientId": "acme-client-id",
            "hasClientSecret": True,
            "createdAt": now,
            "updatedAt": now,
        }
    )
    db.document(f"teams/{TEAM}/events/e1").set(
        {
            "type": "connection.needs_reauth",
            "timestamp": now.isoformat(),
            "data": {"id": "c1", "provider": "custom", "userId": "admin"},
            "createdAt": now,
        }
    )
    db.document("oauthStates/s1").set(
        {
            "teamId": TEAM,
            "userId": "admin",
            "provider": "custom",
            "customProviderId": "acme",
            "scopes": ["contacts"],
            "returnUrl": "https://app.example.com/settings",
            "redirectUri": "https://example.test/oauth_callback",
            "createdAt": now,
            "expiresAt": now + timedelta(minutes=10),
            "expireAt": now + timedelta(days=1),
        }
    )
    db.document(f"oauthLeases/{TEAM}/oauthTokens/l1").set(
        {"holder": "worker-1", "expiresAt": now + timedelta(seconds=30), "expireAt": now + timedelta(days=1)}
    )
    owner = paths.oauth_token_secrets(TEAM, "c1")
    encrypted, key_version = sealed.seal(owner, {"accessToken": "at-value", "refreshToken": "rt-value"})
    db.document(owner).set({"encrypted": encrypted, "keyVersion": key_version, "updatedAt": now})


def seed_incoming_webhooks(db: firestore.Client, now: datetime) -> None:
    """An incoming webhook event, the ticket it opened, and a contact waiting in the sync inbox."""
    db.document(f"teams/{TEAM}/webhookEvents/slack_Ev1").set(
        {
            "source": "slack",
            "integrationId": "int-1",
            "eventType": "slash_command",
            "providerEventId": "Ev1",
            "payloadJson": '{"command": "/ticket", "text": "Printer on fire"}',
            "payloadTruncated": False,
            "receivedAt": now,
            "status": "processed",
            "expireAt": now + timedelta(days=7),
        }
    )
    db.document(f"teams/{TEAM}/tickets/webhook_slack_Ev1").set(
        {
            "subject": "Printer on fire",
            "status": "open",
            "source": "slack",
            "createdAt": now,
            "updatedAt": now,
        }
    )
    db.document(f"teams/{TEAM}/syncInbox/hubspot_301").set(
        {"provider": "hubspot", "objectId": "301", "pending": True, "updatedAt": now}
    )


def seed_outgoing_deliveries(db: firestore.Client, now: datetime) -> None:
    """A delivery with its attempt claim, an EventBridge subscription and its sealed AWS credentials."""
    db.document(f"teams/{TEAM}/deliveries/d1").set(
        {
            "eventId": "e1",
            "eventType": "ticket.created",
            "subscriberKind": "webhook",
            "integrationId": "int-1",
            "status": "succeeded",
            "attemptCount": 1,
            "attempts": [{"attempt": 1, "at": now, "statusCode": 200, "durationMs": 12.0, "error": None}],
            "createdAt": now,
            "updatedAt": now,
            "succeededAt": now,
        }
    )
    db.document(f"teams/{TEAM}/deliveries/d1/attempts/1").set({"claimedAt": now})
    db.document(f"teams/{TEAM}/eventSubscriptions/s1").set(
        {
            "kind": "eventbridge",
            "events": ["ticket.*"],
            "enabled": True,
            "region": "us-east-1",
            "eventBusName": "helpdesk-bus",
            "source": "helpdesk.integrations",
            "targetHint": "helpdesk-bus in us-east-1 as AKIA…MPLE",
            "createdAt": now,
            "updatedAt": now,
        }
    )
    owner = paths.subscription_secrets(TEAM, "s1")
    encrypted, key_version = sealed.seal(
        owner,
        {
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        },
    )
    db.document(owner).set({"encrypted": encrypted, "keyVersion": key_version, "updatedAt": now})


def client(emulator: FirestoreEmulator, project_id: str, uid: str | None) -> RulesClient:
    return RulesClient(emulator.host, project_id, uid)


READS = [
    # (what, path, who may read it)
    ("team", f"teams/{TEAM}", MEMBERS),
    # A signed-in user may look up their own membership (a stranger learns it does not exist).
    ("own membership", f"teams/{TEAM}/members/{{uid}}", {*MEMBERS, "stranger"}),
    ("someone else's membership", f"teams/{TEAM}/members/owner", {"owner"}),
    ("API key metadata", f"teams/{TEAM}/apiKeys/key-1", MEMBERS),
    ("rate-limit counters", f"teams/{TEAM}/apiKeys/key-1/rateCounters/60000ms-20", set()),
    ("idempotency record", f"teams/{TEAM}/apiKeys/key-1/idempotencyKeys/rec1", set()),
    ("API key index", "apiKeyIndex/hash-1", set()),
    ("integration", f"teams/{TEAM}/integrations/int-1", MEMBERS),
    ("request log", f"teams/{TEAM}/integrationLogs/log-1", MEMBERS),
    ("integration secrets", f"secrets/{TEAM}/integrations/int-1", set()),
    ("OAuth connection", f"teams/{TEAM}/oauthTokens/c1", MEMBERS),
    ("custom OAuth provider", f"teams/{TEAM}/oauthProviders/acme", MEMBERS),
    ("event", f"teams/{TEAM}/events/e1", MEMBERS),
    ("OAuth state", "oauthStates/s1", set()),
    ("OAuth refresh lease", f"oauthLeases/{TEAM}/oauthTokens/l1", set()),
    ("OAuth tokens", f"secrets/{TEAM}/oauthTokens/c1", set()),
    ("incoming webhook event", f"teams/{TEAM}/webhookEvents/slack_Ev1", MEMBERS),
    ("ticket", f"teams/{TEAM}/tickets/webhook_slack_Ev1", MEMBERS),
    ("sync inbox item", f"teams/{TEAM}/syncInbox/hubspot_301", MEMBERS),
    ("delivery", f"teams/{TEAM}/deliveries/d1", MEMBERS),
    ("delivery attempt claim", f"teams/{TEAM}/deliveries/d1/attempts/1", set()),
    ("event subscription", f"teams/{TEAM}/eventSubscriptions/s1", MEMBERS),
    ("subscription secrets", f"secrets/{TEAM}/eventSubscriptions/s1", set()),
    ("contact", f"teams/{TEAM}/contacts/ct1", MEMBERS),
    ("sync configuration", f"teams/{TEAM}/syncConfigs/cfg1", MEMBERS),
    ("sync link index", f"teams/{TEAM}/syncConfigs/cfg1/links/501", set()),
    ("sync run", f"teams/{TEAM}/syncRuns/run1", MEMBERS),
    ("sync conflict", f"teams/{TEAM}/syncConflicts/cf1", MEMBERS),
    ("contact outbox entry", f"teams/{TEAM}/contactChanges/ct1", set()),
    ("contact email index", f"teams/{TEAM}/contactEmails/key1", set()),
]


@pytest.mark.parametrize("uid", USERS, ids=lambda u: u or "signed-out")
@pytest.mark.parametrize(("what", "path", "readers"), READS, ids=[r[0] for r in READS])
def test_who_reads_what(
    firestore_emulator: FirestoreEmulator,
    seeded: str,
    uid: str | None,
    what: str,
    path: str,
    readers: set[str],
) -> None:
    as_user = client(firestore_emulator, seeded, uid)
    status = as_user.get(path.format(uid=uid))
    if uid in readers:
        assert status in {OK, 404}, what
    else:
        assert status == DENIED, what


LISTS = [
    ("API keys", f"teams/{TEAM}/apiKeys", MEMBERS),
    ("members", f"teams/{TEAM}/members", set()),
    ("API key index", "apiKeyIndex", set()),
    ("rate-limit counters", f"teams/{TEAM}/apiKeys/key-1/rateCounters", set()),
    ("idempotency records", f"teams/{TEAM}/apiKeys/key-1/idempotencyKeys", set()),
    ("integrations", f"teams/{TEAM}/integrations", MEMBERS),
    ("request logs", f"teams/{TEAM}/integrationLogs", MEMBERS),
    ("secrets", "secrets", set()),
    ("a team's integration secrets", f"secrets/{TEAM}/integrations", set()),
    ("a team's OAuth tokens", f"secrets/{TEAM}/oauthTokens", set()),
    ("OAuth connections", f"teams/{TEAM}/oauthTokens", MEMBERS),
    ("custom OAuth providers", f"teams/{TEAM}/oauthProviders", MEMBERS),
    ("events", f"teams/{TEAM}/events", MEMBERS),
    ("OAuth states", "oauthStates", set()),
    ("OAuth refresh leases", f"oauthLeases/{TEAM}/oauthTokens", set()),
    ("incoming webhook events", f"teams/{TEAM}/webhookEvents", MEMBERS),
    ("tickets", f"teams/{TEAM}/tickets", MEMBERS),
    ("sync inbox", f"teams/{TEAM}/syncInbox", MEMBERS),
    ("deliveries", f"teams/{TEAM}/deliveries", MEMBERS),
    ("delivery attempt claims", f"teams/{TEAM}/deliveries/d1/attempts", set()),
    ("event subscriptions", f"teams/{TEAM}/eventSubscriptions", MEMBERS),
    ("contacts", f"teams/{TEAM}/contacts", MEMBERS),
    ("sync configurations", f"teams/{TEAM}/syncConfigs", MEMBERS),
    ("sync link index", f"teams/{TEAM}/syncConfigs/cfg1/links", set()),
    ("sync runs", f"teams/{TEAM}/syncRuns", MEMBERS),
    ("sync conflicts", f"teams/{TEAM}/syncConflicts", MEMBERS),
    ("contact outbox", f"teams/{TEAM}/contactChanges", set()),
    ("contact email index", f"teams/{TEAM}/contactEmails", set()),
]


@pytest.mark.parametrize("uid", USERS, ids=lambda u: u or "signed-out")
@pytest.mark.parametrize(("what", "collection", "listers"), LISTS, ids=[r[0] for r in LISTS])
def test_who_lists_what(
    firestore_emulator: FirestoreEmulator,
    seeded: str,
    uid: str | None,
    what: str,
    collection: str,
    listers: set[str],
) -> None:
    as_user = client(firestore_emulator, seeded, uid)
    assert as_user.list(collection) == (OK if uid in listers else DENIED), what


WRITES = [
    ("team", "teams", TEAM),
    ("membership", f"teams/{TEAM}/members", "{uid}"),
    ("API key", f"teams/{TEAM}/apiKeys", "key-1"),
    ("new API key", f"teams/{TEAM}/apiKeys", "key-2"),
    ("rate-limit counters", f"teams/{TEAM}/apiKeys/key-1/rateCounters", "60000ms-20"),
    ("idempotency record", f"teams/{TEAM}/apiKeys/key-1/idempotencyKeys", "rec1"),
    ("new idempotency record", f"teams/{TEAM}/apiKeys/key-1/idempotencyKeys", "rec2"),
    ("API key index", "apiKeyIndex", "hash-1"),
    ("new API key index entry", "apiKeyIndex", "hash-2"),
    ("integration", f"teams/{TEAM}/integrations", "int-1"),
    ("new integration", f"teams/{TEAM}/integrations", "int-2"),
    ("request log", f"teams/{TEAM}/integrationLogs", "log-1"),
    ("new request log", f"teams/{TEAM}/integrationLogs", "log-2"),
    ("integration secrets", f"secrets/{TEAM}/integrations", "int-1"),
    ("new integration secrets", f"secrets/{TEAM}/integrations", "int-2"),
    ("a team's secrets document", "secrets", TEAM),
    ("OAuth connection", f"teams/{TEAM}/oauthTokens", "c1"),
    ("new OAuth connection", f"teams/{TEAM}/oauthTokens", "c2"),
    ("custom OAuth provider", f"teams/{TEAM}/oauthProviders", "acme"),
    ("new custom OAuth provider", f"teams/{TEAM}/oauthProviders", "newco"),
    ("event", f"teams/{TEAM}/events", "e1"),
    ("new event", f"teams/{TEAM}/events", "e2"),
    ("OAuth state", "oauthStates", "s1"),
    ("new OAuth state", "oauthStates", "s2"),
    ("OAuth refresh lease", f"oauthLeases/{TEAM}/oauthTokens", "l1"),
    ("new OAuth refresh lease", f"oauthLeases/{TEAM}/oauthTokens", "l2"),
    ("OAuth tokens", f"secrets/{TEAM}/oauthTokens", "c1"),
    ("new OAuth tokens", f"secrets/{TEAM}/oauthTokens", "c2"),
    ("incoming webhook event", f"teams/{TEAM}/webhookEvents", "slack_Ev1"),
    ("new incoming webhook event", f"teams/{TEAM}/webhookEvents", "generic_m1"),
    ("ticket", f"teams/{TEAM}/tickets", "webhook_slack_Ev1"),
    ("new ticket", f"teams/{TEAM}/tickets", "t2"),
    ("sync inbox item", f"teams/{TEAM}/syncInbox", "hubspot_301"),
    ("new sync inbox item", f"teams/{TEAM}/syncInbox", "hubspot_302"),
    ("delivery", f"teams/{TEAM}/deliveries", "d1"),
    ("new delivery", f"teams/{TEAM}/deliveries", "d2"),
    ("delivery attempt claim", f"teams/{TEAM}/deliveries/d1/attempts", "1"),
    ("new delivery attempt claim", f"teams/{TEAM}/deliveries/d1/attempts", "2"),
    ("event subscription", f"teams/{TEAM}/eventSubscriptions", "s1"),
    ("new event subscription", f"teams/{TEAM}/eventSubscriptions", "s2"),
    ("subscription secrets", f"secrets/{TEAM}/eventSubscriptions", "s1"),
    ("new subscription secrets", f"secrets/{TEAM}/eventSubscriptions", "s2"),
    ("contact", f"teams/{TEAM}/contacts", "ct1"),
    ("new contact", f"teams/{TEAM}/contacts", "ct2"),
    ("sync configuration", f"teams/{TEAM}/syncConfigs", "cfg1"),
    ("new sync configuration", f"teams/{TEAM}/syncConfigs", "cfg2"),
    ("sync link", f"teams/{TEAM}/syncConfigs/cfg1/links", "501"),
    ("sync run", f"teams/{TEAM}/syncRuns", "run1"),
    ("sync conflict", f"teams/{TEAM}/syncConflicts", "cf1"),
    ("contact outbox entry", f"teams/{TEAM}/contactChanges", "ct1"),
    ("contact email index", f"teams/{TEAM}/contactEmails", "key1"),
]


@pytest.mark.parametrize("uid", USERS, ids=lambda u: u or "signed-out")
@pytest.mark.parametrize(("what", "collection", "document_id"), WRITES, ids=[w[0] for w in WRITES])
def test_nobody_writes_from_a_client(
    firestore_emulator: FirestoreEmulator,
    seeded: str,
    db: firestore.Client,
    uid: str | None,
    what: str,
    collection: str,
    document_id: str,
) -> None:
    as_user = client(firestore_emulator, seeded, uid)
    document_id = document_id.format(uid=uid or "anonymous")
    path = f"{collection}/{document_id}"
    before = db.document(path).get().to_dict()

    assert as_user.create(collection, document_id) in {DENIED, 409}, what
    assert as_user.update(path) == DENIED, what
    assert as_user.delete(path) == DENIED, what
    assert db.document(path).get().to_dict() == before


@pytest.mark.parametrize("uid", sorted(MEMBERS))
@pytest.mark.parametrize(
    "path",
    [f"teams/{TEAM}/integrations/int-1", f"teams/{TEAM}/integrationLogs/log-1"],
    ids=["integration", "log"],
)
def test_members_really_read_the_seeded_integration_documents(
    firestore_emulator: FirestoreEmulator, seeded: str, uid: str, path: str
) -> None:
    """`test_who_reads_what` also takes 404; these documents exist, so a member gets them."""
    assert client(firestore_emulator, seeded, uid).get(path) == OK


@pytest.mark.parametrize("uid", sorted(MEMBERS))
@pytest.mark.parametrize(
    "path",
    [f"teams/{TEAM}/oauthTokens/c1", f"teams/{TEAM}/oauthProviders/acme", f"teams/{TEAM}/events/e1"],
    ids=["OAuth connection", "custom OAuth provider", "event"],
)
def test_members_really_read_the_seeded_oauth_documents(
    firestore_emulator: FirestoreEmulator, seeded: str, uid: str, path: str
) -> None:
    """These documents exist, so a member gets them (not a 404 the table would also take)."""
    assert client(firestore_emulator, seeded, uid).get(path) == OK


@pytest.mark.parametrize("uid", sorted(MEMBERS))
@pytest.mark.parametrize(
    "path",
    [
        f"teams/{TEAM}/webhookEvents/slack_Ev1",
        f"teams/{TEAM}/tickets/webhook_slack_Ev1",
        f"teams/{TEAM}/syncInbox/hubspot_301",
    ],
    ids=["incoming webhook event", "ticket", "sync inbox item"],
)
def test_members_really_read_the_seeded_incoming_webhook_documents(
    firestore_emulator: FirestoreEmulator, seeded: str, uid: str, path: str
) -> None:
    """These documents exist, so a member gets them (not a 404 the table would also take)."""
    assert client(firestore_emulator, seeded, uid).get(path) == OK


@pytest.mark.parametrize("uid", sorted(MEMBERS))
@pytest.mark.parametrize(
    "path",
    [f"teams/{TEAM}/deliveries/d1", f"teams/{TEAM}/eventSubscriptions/s1"],
    ids=["delivery", "event subscription"],
)
def test_members_really_read_the_seeded_delivery_documents(
    firestore_emulator: FirestoreEmulator, seeded: str, uid: str, path: str
) -> None:
    """These documents exist, so a member gets them (not a 404 the table would also take)."""
    assert client(firestore_emulator, seeded, uid).get(path) == OK


@pytest.mark.parametrize("uid", USERS, ids=lambda u: u or "signed-out")
def test_members_read_agents_and_ticket_comments_and_nobody_writes_them(
    firestore_emulator: FirestoreEmulator, seeded: str, db: firestore.Client, uid: str | None
) -> None:
    """The public API's agents and comments: members read and list them, no client writes them."""
    now = datetime.now(UTC)
    db.document(f"teams/{TEAM}/tickets/t1").set({"subject": "Help", "createdAt": now, "updatedAt": now})
    db.document(f"teams/{TEAM}/tickets/t1/comments/cm1").set({"body": "Hi", "createdAt": now})
    db.document(f"teams/{TEAM}/agents/ag1").set({"name": "Ada", "email": "ada@example.com"})
    as_user = client(firestore_emulator, seeded, uid)
    allowed = OK if uid in MEMBERS else DENIED

    for collection, document_id in [
        (f"teams/{TEAM}/tickets/t1/comments", "cm1"),
        (f"teams/{TEAM}/agents", "ag1"),
    ]:
        path = f"{collection}/{document_id}"
        before = db.document(path).get().to_dict()
        assert as_user.get(path) == allowed, path
        assert as_user.list(collection) == allowed, collection
        assert as_user.create(collection, "new") == DENIED, collection
        assert as_user.create(collection, document_id) in {DENIED, 409}, path
        assert as_user.update(path) == DENIED, path
        assert as_user.delete(path) == DENIED, path
        assert db.document(path).get().to_dict() == before
        assert not db.document(f"{collection}/new").get().exists


@pytest.mark.parametrize("uid", USERS, ids=lambda u: u or "signed-out")
def test_members_read_reports_and_nobody_writes_them(
    firestore_emulator: FirestoreEmulator, seeded: str, db: firestore.Client, uid: str | None
) -> None:
    now = datetime.now(UTC)
    path = f"{paths.reports(TEAM)}/rep1"
    db.document(path).set(
        {"name": "r", "metric": "ticket_count", "groupBy": "status", "filters": {}, "createdAt": now}
    )
    before = db.document(path).get().to_dict()
    as_user = client(firestore_emulator, seeded, uid)
    allowed = OK if uid in MEMBERS else DENIED

    assert as_user.get(path) == allowed
    assert as_user.list(paths.reports(TEAM)) == allowed
    assert as_user.create(paths.reports(TEAM), "rep2") == DENIED
    assert as_user.update(path) == DENIED
    assert as_user.delete(path) == DENIED
    assert db.document(path).get().to_dict() == before


@pytest.mark.parametrize("uid", USERS, ids=lambda u: u or "signed-out")
def test_members_read_daily_key_usage_and_nobody_writes_it(
    firestore_emulator: FirestoreEmulator, seeded: str, db: firestore.Client, uid: str | None
) -> None:
    path = paths.api_key_usage_day(TEAM, date(2030, 5, 1))
    db.document(path).set({"date": datetime(2030, 5, 1, tzinfo=UTC), "keys": {"k1": 3}})
    before = db.document(path).get().to_dict()
    as_user = client(firestore_emulator, seeded, uid)
    allowed = OK if uid in MEMBERS else DENIED

    assert as_user.get(path) == allowed
    assert as_user.list(paths.api_key_usage_days(TEAM)) == allowed
    assert as_user.create(paths.api_key_usage_days(TEAM), "2030-05-02") == DENIED
    assert as_user.update(path) == DENIED
    assert as_user.delete(path) == DENIED
    assert db.document(path).get().to_dict() == before


@pytest.mark.parametrize("uid", USERS, ids=lambda u: u or "signed-out")
def test_members_read_rest_endpoints_and_nobody_writes_them(
    firestore_emulator: FirestoreEmulator, seeded: str, db: firestore.Client, uid: str | None
) -> None:
    now = datetime.now(UTC)
    path = f"{paths.rest_endpoints(TEAM)}/ep1"
    db.document(path).set({"path": "/orders", "method": "POST", "enabled": True, "createdAt": now})
    before = db.document(path).get().to_dict()
    as_user = client(firestore_emulator, seeded, uid)
    allowed = OK if uid in MEMBERS else DENIED

    assert as_user.get(path) == allowed
    assert as_user.list(paths.rest_endpoints(TEAM)) == allowed
    assert as_user.create(paths.rest_endpoints(TEAM), "ep2") == DENIED
    assert as_user.update(path) == DENIED
    assert as_user.delete(path) == DENIED
    assert db.document(path).get().to_dict() == before
    assert not db.document(f"{paths.rest_endpoints(TEAM)}/ep2").get().exists


@pytest.mark.parametrize("uid", USERS, ids=lambda u: u or "signed-out")
def test_members_read_graphql_schemas_and_nobody_writes_them(
    firestore_emulator: FirestoreEmulator, seeded: str, db: firestore.Client, uid: str | None
) -> None:
    now = datetime.now(UTC)
    path = f"{paths.graphql_schemas(TEAM)}/gs1"
    db.document(path).set({"typeDefs": "type Query { a: Int }", "introspection": False, "createdAt": now})
    before = db.document(path).get().to_dict()
    as_user = client(firestore_emulator, seeded, uid)
    allowed = OK if uid in MEMBERS else DENIED

    assert as_user.get(path) == allowed
    assert as_user.list(paths.graphql_schemas(TEAM)) == allowed
    assert as_user.create(paths.graphql_schemas(TEAM), "gs2") == DENIED
    assert as_user.update(path) == DENIED
    assert as_user.delete(path) == DENIED
    assert db.document(path).get().to_dict() == before
    assert not db.document(f"{paths.graphql_schemas(TEAM)}/gs2").get().exists
