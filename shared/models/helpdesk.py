"""The helpdesk's own records that integrations read and write: contacts, tickets, comments, agents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from shared.models.base import (
    Cursor,
    InputModel,
    ListLimit,
    PublicModel,
    StoredModel,
    Timestamp,
    requires_a_change,
)


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
    # A contact of the team (the public API sets it; the incoming webhooks keep `requester` only).
    requester_id: str | None = None
    assignee_id: str | None = None
    # Where it came from: "console", "api", "slack", "zapier"...
    source: str = "console"
    source_ref: str | None = None
    created_at: datetime
    updated_at: datetime
    # When the ticket last became resolved; null while it is not.
    resolved_at: datetime | None = None


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


# ------------------------------------------------------------------ contacts through the public API

Email = Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
PersonName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Company = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ContactCreate(InputModel):
    """`POST /v1/contacts`: every field optional but a contact names at least one."""

    email: Email | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone: Phone | None = None
    company: Company | None = None

    @model_validator(mode="after")
    def _names_something(self) -> ContactCreate:
        if all(value is None for value in self.model_dump().values()):
            raise ValueError("give at least one of email, firstName, lastName, phone, company")
        return self


class ContactUpdate(InputModel):
    """`PATCH /v1/contacts/{id}`: absent leaves a field as is, null clears it."""

    email: Email | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone: Phone | None = None
    company: Company | None = None

    _requires_a_change = requires_a_change()


class ContactListQuery(InputModel):
    """`GET /v1/contacts` query parameters."""

    limit: ListLimit = 50
    cursor: Cursor | None = None
    email: Email | None = None
    updated_since: Timestamp | None = None


class ContactPublic(PublicModel):
    """A contact as the public API answers it: never the sync engine's bookkeeping (`sync`, `external`)."""

    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_doc(cls, doc: ContactDoc) -> ContactPublic:
        return cls.model_validate(doc.model_dump(include=set(cls.model_fields)))
