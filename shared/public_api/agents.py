"""`/v1/agents`: the team's agents, whom tickets are assigned to."""

from __future__ import annotations

from shared.models.api_keys import ApiKeyScope
from shared.models.base import Page
from shared.models.tickets import AgentCreate, AgentListQuery, AgentPublic, AgentUpdate
from shared.public_api import listing
from shared.public_api.problems import Problem
from shared.public_api.router import Call, Reply, Route
from shared.store import agents as store

COLLECTION = "/v1/agents"
ITEM = "/v1/agents/{id}"


def _not_found() -> Problem:
    return Problem(404, "not-found", "no agent with this id")


def list_agents(call: Call) -> Reply:
    query = call.query_as(AgentListQuery)
    body = listing.page(
        "agents",
        [query.role, query.updated_since],
        query.limit,
        query.cursor,
        lambda after, limit: store.list_page(call.team_id, query.role, query.updated_since, after, limit),
        AgentPublic.from_doc,
    )
    return Reply(200, body)


def get_agent(call: Call) -> Reply:
    doc = store.get(call.team_id, call.params["id"])
    if doc is None:
        raise _not_found()
    return Reply(200, AgentPublic.from_doc(doc).to_wire())


def create_agent(call: Call) -> Reply:
    agent_id = call.new_id or store.new_id(call.team_id)
    doc, _ = store.create(call.team_id, agent_id, call.body_as(AgentCreate))
    return Reply(201, AgentPublic.from_doc(doc).to_wire(), {"Location": f"{COLLECTION}/{doc.id}"})


def update_agent(call: Call) -> Reply:
    doc = store.update(call.team_id, call.params["id"], call.body_as(AgentUpdate))
    if doc is None:
        raise _not_found()
    return Reply(200, AgentPublic.from_doc(doc).to_wire())


READ, WRITE = ApiKeyScope.AGENTS_READ, ApiKeyScope.AGENTS_WRITE
ROUTES = [
    Route("GET", COLLECTION, READ, list_agents, query=AgentListQuery, response=Page[AgentPublic]),
    Route("GET", ITEM, READ, get_agent, response=AgentPublic),
    Route("POST", COLLECTION, WRITE, create_agent, body=AgentCreate, response=AgentPublic, status=201),
    Route("PATCH", ITEM, WRITE, update_agent, body=AgentUpdate, response=AgentPublic),
]
