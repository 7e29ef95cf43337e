"""A team's GraphQL schemas: `teams/{teamId}/graphqlSchemas/{schemaId}`, append-only versions, and the
active one named by `teams/{teamId}.activeGraphqlSchemaId`.

A save creates a version and points the team at it in one transaction; a restore points the team at
an older version. Versions are never rewritten, so a built schema can be cached by (team, version)
for as long as an instance lives.
"""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

from shared.models.public_api import GraphqlSchemaDoc
from shared.store import paths
from shared.store.client import db, from_snapshot, translated_errors


def new_id(team_id: str) -> str:
    schema_id: str = db().collection(paths.graphql_schemas(team_id)).document().id
    return schema_id


def save(doc: GraphqlSchemaDoc) -> None:
    """Create the version and make it the team's active one, together."""
    client = db()
    body = doc.to_firestore()
    body.pop("teamId", None)
    batch = client.batch()
    batch.create(client.document(paths.graphql_schema(doc.team_id, doc.id)), body)
    batch.set(client.document(paths.team(doc.team_id)), {paths.ACTIVE_GRAPHQL_SCHEMA: doc.id}, merge=True)
    with translated_errors():
        batch.commit()


def get(team_id: str, schema_id: str) -> GraphqlSchemaDoc | None:
    with translated_errors():
        snapshot = db().document(paths.graphql_schema(team_id, schema_id)).get()
    return from_snapshot(GraphqlSchemaDoc, snapshot, teamId=team_id) if snapshot.exists else None


def active_id(team_id: str) -> str | None:
    with translated_errors():
        snapshot = db().document(paths.team(team_id)).get([paths.ACTIVE_GRAPHQL_SCHEMA])
    value = (snapshot.to_dict() or {}).get(paths.ACTIVE_GRAPHQL_SCHEMA) if snapshot.exists else None
    return value if isinstance(value, str) else None


def activate(team_id: str, schema_id: str) -> GraphqlSchemaDoc | None:
    """Point the team at an existing version, read in the same transaction (None when it is absent)."""
    client = db()
    ref = client.document(paths.graphql_schema(team_id, schema_id))

    @firestore.transactional
    def apply(transaction: firestore.Transaction) -> Any:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            return None
        transaction.set(
            client.document(paths.team(team_id)), {paths.ACTIVE_GRAPHQL_SCHEMA: schema_id}, merge=True
        )
        return snapshot

    with translated_errors():
        snapshot = apply(client.transaction())
    return None if snapshot is None else from_snapshot(GraphqlSchemaDoc, snapshot, teamId=team_id)
