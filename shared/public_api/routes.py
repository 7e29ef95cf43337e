"""The route table of `/v1`: every operation, the scope it needs, its query and body models.

Each resource module contributes its `ROUTES`; the next resources (tickets, agents, reports, webhooks,
integrations) add theirs here.
"""

from __future__ import annotations

import functools

from shared.public_api import contacts, reports
from shared.public_api.router import Router


@functools.cache
def router() -> Router:
    return Router([*contacts.ROUTES, *reports.ROUTES])
