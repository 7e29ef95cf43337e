"""The route table of `/v1`: every operation, the scope it needs, its query, body and answer models.

Each resource module contributes its `ROUTES`.
"""

from __future__ import annotations

import functools

from shared.public_api import agents, contacts, integrations, reports, tickets
from shared.public_api.router import Router


@functools.cache
def router() -> Router:
    return Router(
        [
            *contacts.ROUTES,
            *tickets.ROUTES,
            *agents.ROUTES,
            *reports.ROUTES,
            *integrations.ROUTES,
        ]
    )
