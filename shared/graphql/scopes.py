"""Field-level scopes: a field the key may not read answers null with a `FORBIDDEN` error at its path,
and the rest of the query still answers (the REST API's rule: `admin:full` grants every scope)."""

from __future__ import annotations

from graphql import GraphQLError

from shared.graphql.loaders import Context
from shared.models.api_keys import grants


def require(context: Context, scope: str) -> None:
    if not grants(context.scopes, scope):
        raise GraphQLError(
            f"this field needs the scope {scope} (or admin:full)",
            extensions={"code": "FORBIDDEN", "scope": scope},
        )
