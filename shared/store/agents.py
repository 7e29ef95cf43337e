"""The team's agents (`teams/{teamId}/agents/{id}`): the people tickets are assigned to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.models.tickets import AgentCreate, AgentDoc, AgentRole, AgentUpdate
from shared.store import paths, records


def new_id(team_id: str) -> str:
    return records.new_id(paths.agents(team_id))


def get(team_id: str, agent_id: str) -> AgentDoc | None:
    return records.get(AgentDoc, paths.agent(team_id, agent_id))


def create(team_id: str, agent_id: str, fields: AgentCreate) -> tuple[AgentDoc, bool]:
    """Create the agent under `agent_id` with create(); when it exists already (a retried create under
    the same idempotency key), the agent as it is and False."""
    now = datetime.now(UTC)
    doc = AgentDoc.model_validate(
        {**fields.model_dump(by_alias=True, mode="json"), "id": agent_id, "createdAt": now, "updatedAt": now}
    )
    return records.create_once(paths.agent(team_id, agent_id), doc)


def update(team_id: str, agent_id: str, changes: AgentUpdate) -> AgentDoc | None:
    """Apply the fields given and `updatedAt`, in one transaction; None when absent."""
    fields: dict[str, Any] = {
        **changes.model_dump(by_alias=True, exclude_unset=True, mode="json"),
        "updatedAt": datetime.now(UTC),
    }
    return records.update_fields(AgentDoc, paths.agent(team_id, agent_id), fields)


def list_page(
    team_id: str,
    role: AgentRole | None,
    updated_since: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[AgentDoc]:
    role_value = role.value if role is not None else None
    return records.page_by_updated(
        AgentDoc, paths.agents(team_id), {"role": role_value}, updated_since, after, limit
    )
