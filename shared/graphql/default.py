"""The default schema, served to a team without a schema of its own: its helpdesk data, as REST serves it.

Every read and write goes through the REST API's own handlers (shared/public_api/tickets.py,
contacts.py, agents.py) with the same models and store calls, so a GraphQL `createTicket` writes the
ticket a `POST /v1/tickets` writes, and the triggers record the same events. Lists are connections over
the REST pages: `endCursor` is the REST `nextCursor` (give it as `after` for the next page), `first`
is the REST `limit` (default 20, at most 100: limits.py refuses more before execution).

Relations are batched (loaders.py): `Ticket.requester` and `Ticket.assignee` through the by-id loader
(one `get_all` per level), `Contact.tickets` through one `requesterId in [...]` query per 30 contacts.
Scopes are the REST routes' own, field by field (scopes.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pydantic
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)
from pydantic import TypeAdapter

from shared import errors
from shared.graphql.loaders import Context, Info
from shared.graphql.schema import DEFAULT_PAGE_SIZE
from shared.graphql.scopes import require
from shared.models.api_keys import ApiKeyScope
from shared.models.base import DocumentId, InputModel
from shared.models.helpdesk import (
    ContactCreate,
    ContactDoc,
    ContactListQuery,
    ContactPublic,
    ContactUpdate,
    TicketDoc,
)
from shared.models.tickets import (
    AgentDoc,
    AgentListQuery,
    AgentPublic,
    CommentCreate,
    CommentListQuery,
    TicketCreate,
    TicketListQuery,
    TicketPublic,
)
from shared.pagination import page_of
from shared.public_api import agents, contacts, listing, tickets
from shared.public_api.problems import Problem
from shared.public_api.router import Call, Handler

SDL = """
"The team's helpdesk data. Lists are connections: give endCursor as `after` for the next page."
type Query {
  contacts(first: Int, after: String): ContactConnection
  contact(id: ID!): Contact
  tickets(first: Int, after: String, status: TicketStatus): TicketConnection
  ticket(id: ID!): Ticket
  agents(first: Int, after: String): AgentConnection
}

type Mutation {
  createTicket(input: CreateTicketInput!): Ticket
  addComment(ticketId: ID!, body: String!): Comment
  resolveTicket(id: ID!): Ticket
  createContact(input: CreateContactInput!): Contact
  updateContact(id: ID!, input: UpdateContactInput!): Contact
}

enum TicketStatus { OPEN PENDING RESOLVED CLOSED }

type PageInfo {
  endCursor: String
  hasNextPage: Boolean!
}

type Contact {
  id: ID!
  email: String
  firstName: String
  lastName: String
  phone: String
  company: String
  createdAt: String
  updatedAt: String
  tickets(first: Int, after: String): TicketConnection
}

type Ticket {
  id: ID!
  subject: String!
  description: String!
  status: TicketStatus!
  priority: String!
  requesterId: ID
  assigneeId: ID
  resolvedAt: String
  createdAt: String!
  updatedAt: String!
  requester: Contact
  assignee: Agent
  comments(first: Int, after: String): CommentConnection
}

type Comment {
  id: ID!
  body: String!
  authorKeyId: String
  createdAt: String!
  updatedAt: String!
}

type Agent {
  id: ID!
  name: String!
  email: String!
  role: String!
  createdAt: String!
  updatedAt: String!
}

type ContactConnection { nodes: [Contact!]! pageInfo: PageInfo! }
type TicketConnection { nodes: [Ticket!]! pageInfo: PageInfo! }
type CommentConnection { nodes: [Comment!]! pageInfo: PageInfo! }
type AgentConnection { nodes: [Agent!]! pageInfo: PageInfo! }

input CreateTicketInput {
  subject: String!
  description: String
  status: TicketStatus
  priority: String
  requesterId: ID
  assigneeId: ID
}

input CreateContactInput {
  email: String
  firstName: String
  lastName: String
  phone: String
  company: String
}

input UpdateContactInput {
  email: String
  firstName: String
  lastName: String
  phone: String
  company: String
}
"""

_DOCUMENT_ID: TypeAdapter[str] = TypeAdapter(DocumentId)
Resolver = Callable[..., Any]


def _bad_input(message: str, field: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", "field": field})


def _document_id(value: Any, name: str) -> str:
    try:
        return _DOCUMENT_ID.validate_python(value)
    except pydantic.ValidationError:
        raise _bad_input(f"{name}: 1 to 128 letters, digits, _ or -", name) from None


# The REST query parameters a connection's arguments become.
_PAGE_ARGUMENTS = {"limit": "first", "cursor": "after"}


def _model(model: type[InputModel], raw: dict[str, Any], prefix: str) -> InputModel:
    """The REST model of an argument, or BAD_USER_INPUT naming the field (`input.subject`)."""
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as error:
        problem = errors.from_validation_error(error)
        # A problem of the whole object (no field) is named by the argument itself.
        field = problem.field if problem.field not in {None, "data"} else ""
        field = _PAGE_ARGUMENTS.get(field or "", field) if not prefix else field
        reason = problem.details.get("reason", problem.message)
        named = f"{prefix}{field}".rstrip(".")
        raise _bad_input(f"{named}: {reason}", named) from None


def _rest(context: Context, handler: Handler, call: Call, reads: int = 1) -> Any:
    """The REST handler's JSON answer; None for its 404; its 400 as BAD_USER_INPUT naming the field."""
    context.round_trips += reads
    try:
        return handler(call).body
    except Problem as problem:
        if problem.status == 404:
            return None
        pointers = [item.pointer for item in problem.errors]
        where = pointers[0] if pointers else ""
        field = "after" if where == "#/query/cursor" else "input." + where.strip("/").replace("/", ".")
        raise _bad_input(problem.detail, field.rstrip(".")) from None


def _not_found(what: str, field: str) -> GraphQLError:
    return GraphQLError(f"no {what} with this {field}", extensions={"code": "NOT_FOUND", "field": field})


def _connection(page: dict[str, Any]) -> dict[str, Any]:
    cursor = page.get("nextCursor")
    return {"nodes": page["items"], "pageInfo": {"endCursor": cursor, "hasNextPage": cursor is not None}}


def _page_query(model: type[InputModel], first: int | None, after: str | None, **filters: Any) -> InputModel:
    given = {"limit": first or DEFAULT_PAGE_SIZE, "cursor": after, **filters}
    return _model(model, {name: value for name, value in given.items() if value is not None}, "")


def _call(context: Context, **fields: Any) -> Call:
    return Call(context.team_id, context.key_id, fields.pop("params", {}), **fields)


# ------------------------------------------------------------------ Query


def _list(scope: ApiKeyScope, handler: Handler, model: type[InputModel]) -> Resolver:
    def resolve(
        _: Any, info: Info, first: int | None = None, after: str | None = None, **filters: Any
    ) -> Any:
        context = info.context
        require(context, scope.value)
        query = _page_query(model, first, after, **filters)
        return _connection(_rest(context, handler, _call(context, query=query)))

    return resolve


def _item(scope: ApiKeyScope, handler: Handler) -> Resolver:
    def resolve(_: Any, info: Info, id: str) -> Any:
        context = info.context
        require(context, scope.value)
        return _rest(context, handler, _call(context, params={"id": _document_id(id, "id")}))

    return resolve


# ------------------------------------------------------------------ relations


def _reference(
    scope: ApiKeyScope, collection: str, field: str, to_wire: Callable[[dict[str, Any]], Any]
) -> Resolver:
    async def resolve(parent: dict[str, Any], info: Info) -> Any:
        context = info.context
        require(context, scope.value)
        document_id = parent.get(field)
        if not isinstance(document_id, str):
            return None
        found = await context.by_id(collection).load(document_id)
        return None if found is None else to_wire(found)

    return resolve


def _contact_wire(record: dict[str, Any]) -> Any:
    return ContactPublic.from_doc(ContactDoc.model_validate(record)).to_wire()


def _agent_wire(record: dict[str, Any]) -> Any:
    return AgentPublic.from_doc(AgentDoc.model_validate(record)).to_wire()


def _comments(parent: dict[str, Any], info: Info, first: int | None = None, after: str | None = None) -> Any:
    context = info.context
    require(context, ApiKeyScope.TICKETS_READ.value)
    query = _page_query(CommentListQuery, first, after)
    call = _call(context, params={"id": parent["id"]}, query=query)
    # The REST handler reads the ticket, then the page.
    return _connection(_rest(context, tickets.list_comments, call, reads=2) or {"items": []})


async def _contact_tickets(
    parent: dict[str, Any], info: Info, first: int | None = None, after: str | None = None
) -> Any:
    """The contact's tickets as `GET /v1/tickets?requesterId=` pages them (the same cursors): the first
    page batched across contacts, a later one (`after`) by the REST handler."""
    context = info.context
    require(context, ApiKeyScope.TICKETS_READ.value)
    if after is not None:
        query = _page_query(TicketListQuery, first, after, requesterId=parent["id"])
        return _connection(_rest(context, tickets.list_tickets, _call(context, query=query)))
    size = first or DEFAULT_PAGE_SIZE
    loader = context.by_parent("tickets", "requesterId", [], [("updatedAt", False)], size + 1)
    docs = [TicketDoc.model_validate(record) for record in await loader.load(parent["id"]) or []]
    scope = listing.scope_of("tickets", [None, None, None, parent["id"], None])
    return _connection(page_of(docs, size, TicketPublic.from_doc, listing.position, scope).to_wire())


# ------------------------------------------------------------------ Mutation


def _create_ticket(_: Any, info: Info, input: dict[str, Any]) -> Any:
    context = info.context
    require(context, ApiKeyScope.TICKETS_WRITE.value)
    body = _model(TicketCreate, input, "input.")
    return _rest(context, tickets.create_ticket, _call(context, body=body))


def _add_comment(_: Any, info: Info, ticketId: str, body: str) -> Any:
    context = info.context
    require(context, ApiKeyScope.TICKETS_COMMENT.value)
    call = _call(
        context,
        params={"id": _document_id(ticketId, "ticketId")},
        body=_model(CommentCreate, {"body": body}, ""),
    )
    answer = _rest(context, tickets.add_comment, call)
    if answer is None:
        raise _not_found("ticket", "ticketId")
    return answer


def _resolve_ticket(_: Any, info: Info, id: str) -> Any:
    context = info.context
    require(context, ApiKeyScope.TICKETS_RESOLVE.value)
    answer = _rest(context, tickets.resolve_ticket, _call(context, params={"id": _document_id(id, "id")}))
    if answer is None:
        raise _not_found("ticket", "id")
    return answer


def _create_contact(_: Any, info: Info, input: dict[str, Any]) -> Any:
    context = info.context
    require(context, ApiKeyScope.CONTACTS_WRITE.value)
    body = _model(ContactCreate, input, "input.")
    return _rest(context, contacts.create_contact, _call(context, body=body))


def _update_contact(_: Any, info: Info, id: str, input: dict[str, Any]) -> Any:
    context = info.context
    require(context, ApiKeyScope.CONTACTS_WRITE.value)
    call = _call(context, params={"id": _document_id(id, "id")}, body=_model(ContactUpdate, input, "input."))
    answer = _rest(context, contacts.update_contact, call)
    if answer is None:
        raise _not_found("contact", "id")
    return answer


RESOLVERS: dict[tuple[str, str], Resolver] = {
    ("Query", "contacts"): _list(ApiKeyScope.CONTACTS_READ, contacts.list_contacts, ContactListQuery),
    ("Query", "contact"): _item(ApiKeyScope.CONTACTS_READ, contacts.get_contact),
    ("Query", "tickets"): _list(ApiKeyScope.TICKETS_READ, tickets.list_tickets, TicketListQuery),
    ("Query", "ticket"): _item(ApiKeyScope.TICKETS_READ, tickets.get_ticket),
    ("Query", "agents"): _list(ApiKeyScope.AGENTS_READ, agents.list_agents, AgentListQuery),
    ("Ticket", "requester"): _reference(ApiKeyScope.CONTACTS_READ, "contacts", "requesterId", _contact_wire),
    ("Ticket", "assignee"): _reference(ApiKeyScope.AGENTS_READ, "agents", "assigneeId", _agent_wire),
    ("Ticket", "comments"): _comments,
    ("Contact", "tickets"): _contact_tickets,
    ("Mutation", "createTicket"): _create_ticket,
    ("Mutation", "addComment"): _add_comment,
    ("Mutation", "resolveTicket"): _resolve_ticket,
    ("Mutation", "createContact"): _create_contact,
    ("Mutation", "updateContact"): _update_contact,
}


@functools.cache
def schema() -> GraphQLSchema:
    """The default schema with its resolvers, built once per instance."""
    built = build_schema(SDL)
    status = built.type_map["TicketStatus"]
    assert isinstance(status, GraphQLEnumType)
    # The stored (and REST) values are lower case; GraphQL's enum names are upper case.
    for name, value in status.values.items():
        value.value = name.lower()
    for (type_name, field_name), resolver in RESOLVERS.items():
        parent = built.type_map[type_name]
        assert isinstance(parent, GraphQLObjectType)
        parent.fields[field_name].resolve = resolver
    return built
