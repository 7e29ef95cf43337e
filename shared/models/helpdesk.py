"""The helpdesk's own records that integrations read and write: contacts, tickets, comments, agents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from shared.models.base import StoredModel


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class TicketDoc(StoredModel):
    """`teams/{teamId}/tickets/{id}`."""

    id: str
    subject: str
    description: str = ""
    status: TicketStatus = TicketStatus.OPEN
    priority: str = "normal"
    requester: dict[str, Any] = Field(default_factory=dict)
    assignee_id: str | None = None
    # Where it came from: "console", "api", "slack", "zapier"...
    source: str = "console"
    source_ref: str | None = None
    created_at: datetime
    updated_at: datetime


class ContactDoc(StoredModel):
    """`teams/{teamId}/contacts/{id}`; `external` maps a CRM to the contact's id there."""

    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    external: dict[str, str] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
