"""Tickets, their comments and the team's agents as the public API takes and answers them.

The stored ticket is `TicketDoc` (shared/models/helpdesk.py), which the incoming webhooks write too."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, Strict, StringConstraints

from shared.models.base import (
    Cursor,
    DocumentId,
    InputModel,
    ListLimit,
    PublicModel,
    StoredModel,
    Timestamp,
    not_null,
    requires_a_change,
)
from shared.models.helpdesk import Email, PersonName, TicketDoc, TicketStatus


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class AgentRole(StrEnum):
    # The product has no agent roles of its own yet (team members are owner | admin | member).
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"


Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
# As long as a Zapier-made ticket's description may be.
TicketText = Annotated[str, StringConstraints(max_length=50_000)]
CommentBody = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
# Enums come as their JSON text: strict models would refuse the text form.
Status = Annotated[TicketStatus, Strict(False)]
Priority = Annotated[TicketPriority, Strict(False)]
Role = Annotated[AgentRole, Strict(False)]


# ------------------------------------------------------------------ tickets


class TicketCreate(InputModel):
    """`POST /v1/tickets`: `requesterId` names a contact of the team, `assigneeId` an agent."""

    subject: Subject
    description: TicketText = ""
    status: Status = TicketStatus.OPEN
    priority: Priority = TicketPriority.NORMAL
    requester_id: DocumentId | None = None
    assignee_id: DocumentId | None = None


class TicketUpdate(InputModel):
    """`PATCH /v1/tickets/{id}`: absent leaves a field as is; null clears `requesterId` or `assigneeId`."""

    subject: Subject | None = None
    description: TicketText | None = None
    status: Status | None = None
    priority: Priority | None = None
    requester_id: DocumentId | None = None
    assignee_id: DocumentId | None = None

    _not_null = not_null("subject", "description", "status", "priority")
    _requires_a_change = requires_a_change()


class TicketListQuery(InputModel):
    """`GET /v1/tickets` query parameters: every filter exact."""

    limit: ListLimit = 50
    cursor: Cursor | None = None
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: DocumentId | None = None
    requester_id: DocumentId | None = None
    updated_since: Timestamp | None = None


class TicketPublic(PublicModel):
    """A ticket as the public API answers it. `priority` is text: a Zapier action may have set another."""

    id: str
    subject: str
    description: str
    status: TicketStatus
    priority: str
    requester_id: str | None = None
    assignee_id: str | None = None
    resolved_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: TicketDoc) -> TicketPublic:
        return cls.model_validate(doc.model_dump(include=set(cls.model_fields)))


# ------------------------------------------------------------------ comments


class CommentDoc(StoredModel):
    """`teams/{teamId}/tickets/{ticketId}/comments/{id}`: `author` says who wrote it (`{"type": "apiKey",
    "id": <key id>}` through the public API); `authorKeyId` repeats the key for the API's answers."""

    id: str
    body: str
    author: dict[str, Any] = Field(default_factory=dict)
    author_key_id: str | None = None
    created_at: datetime
    updated_at: datetime


class CommentCreate(InputModel):
    """`POST /v1/tickets/{id}/comments`: the author is the calling key."""

    body: CommentBody


class CommentListQuery(InputModel):
    """`GET /v1/tickets/{id}/comments` query parameters."""

    limit: ListLimit = 50
    cursor: Cursor | None = None
    updated_since: Timestamp | None = None


class CommentPublic(PublicModel):
    id: str
    body: str
    author_key_id: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: CommentDoc) -> CommentPublic:
        return cls.model_validate(doc.model_dump(include=set(cls.model_fields)))


# ------------------------------------------------------------------ agents


class AgentDoc(StoredModel):
    """`teams/{teamId}/agents/{id}`."""

    id: str
    name: str
    email: str
    role: AgentRole = AgentRole.AGENT
    created_at: datetime
    updated_at: datetime


class AgentCreate(InputModel):
    """`POST /v1/agents`."""

    name: PersonName
    email: Email
    role: Role = AgentRole.AGENT


class AgentUpdate(InputModel):
    """`PATCH /v1/agents/{id}`: absent leaves a field as is; none may be null."""

    name: PersonName | None = None
    email: Email | None = None
    role: Role | None = None

    _not_null = not_null("name", "email", "role")
    _requires_a_change = requires_a_change()


class AgentListQuery(InputModel):
    """`GET /v1/agents` query parameters."""

    limit: ListLimit = 50
    cursor: Cursor | None = None
    role: Role | None = None
    updated_since: Timestamp | None = None


class AgentPublic(PublicModel):
    id: str
    name: str
    email: str
    role: AgentRole
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: AgentDoc) -> AgentPublic:
        return cls.model_validate(doc.model_dump(include=set(cls.model_fields)))
