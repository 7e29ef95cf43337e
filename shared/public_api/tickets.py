"""`/v1/tickets`: the team's tickets, their comments, and resolving them.

The documents the incoming webhooks create and the ticket triggers listen to, so a write here records
the same `ticket.*` events as any other. A reference to a record the team does not have (another
team's contact, an agent that does not exist) is bad input, pointed at its field.
"""

from __future__ import annotations

from shared import errors
from shared.models.api_keys import ApiKeyScope
from shared.models.base import Page
from shared.models.helpdesk import TicketDoc
from shared.models.tickets import (
    CommentCreate,
    CommentListQuery,
    CommentPublic,
    TicketCreate,
    TicketListQuery,
    TicketPublic,
    TicketUpdate,
)
from shared.public_api import listing
from shared.public_api.problems import Problem, invalid
from shared.public_api.router import Call, Reply, Route
from shared.store import tickets as store

COLLECTION = "/v1/tickets"
ITEM = "/v1/tickets/{id}"
COMMENTS = "/v1/tickets/{id}/comments"
RESOLVE = "/v1/tickets/{id}/resolve"


def _not_found() -> Problem:
    return Problem(404, "not-found", "no ticket with this id")


def _found(doc: TicketDoc | None) -> Reply:
    if doc is None:
        raise _not_found()
    return Reply(200, TicketPublic.from_doc(doc).to_wire())


def _bad_reference(error: errors.InvalidArgument) -> Problem:
    return invalid(error.message, f"/{error.field}" if error.field else "")


def list_tickets(call: Call) -> Reply:
    query = call.query_as(TicketListQuery)
    equal = {
        "status": query.status.value if query.status is not None else None,
        "priority": query.priority.value if query.priority is not None else None,
        "assigneeId": query.assignee_id,
        "requesterId": query.requester_id,
    }
    body = listing.page(
        "tickets",
        [*equal.values(), query.updated_since],
        query.limit,
        query.cursor,
        lambda after, limit: store.list_page(call.team_id, equal, query.updated_since, after, limit),
        TicketPublic.from_doc,
    )
    return Reply(200, body)


def get_ticket(call: Call) -> Reply:
    return _found(store.get(call.team_id, call.params["id"]))


def create_ticket(call: Call) -> Reply:
    ticket_id = call.new_id or store.new_id(call.team_id)
    try:
        doc, _ = store.create(call.team_id, ticket_id, call.body_as(TicketCreate))
    except errors.InvalidArgument as error:
        raise _bad_reference(error) from None
    return Reply(201, TicketPublic.from_doc(doc).to_wire(), {"Location": f"{COLLECTION}/{doc.id}"})


def update_ticket(call: Call) -> Reply:
    try:
        doc = store.update(call.team_id, call.params["id"], call.body_as(TicketUpdate))
    except errors.InvalidArgument as error:
        raise _bad_reference(error) from None
    return _found(doc)


def resolve_ticket(call: Call) -> Reply:
    return _found(store.resolve(call.team_id, call.params["id"]))


def list_comments(call: Call) -> Reply:
    ticket_id = call.params["id"]
    query = call.query_as(CommentListQuery)
    if store.get(call.team_id, ticket_id) is None:
        raise _not_found()
    body = listing.page(
        f"comments/{ticket_id}",
        [query.updated_since],
        query.limit,
        query.cursor,
        lambda after, limit: store.list_comments(call.team_id, ticket_id, query.updated_since, after, limit),
        CommentPublic.from_doc,
    )
    return Reply(200, body)


def add_comment(call: Call) -> Reply:
    ticket_id = call.params["id"]
    comment_id = call.new_id or store.new_comment_id(call.team_id, ticket_id)
    doc = store.add_comment(
        call.team_id, ticket_id, comment_id, call.body_as(CommentCreate).body, call.key_id
    )
    if doc is None:
        raise _not_found()
    location = f"{COLLECTION}/{ticket_id}/comments/{doc.id}"
    return Reply(201, CommentPublic.from_doc(doc).to_wire(), {"Location": location})


READ, WRITE = ApiKeyScope.TICKETS_READ, ApiKeyScope.TICKETS_WRITE
ROUTES = [
    Route("GET", COLLECTION, READ, list_tickets, query=TicketListQuery, response=Page[TicketPublic]),
    Route("GET", ITEM, READ, get_ticket, response=TicketPublic),
    Route("GET", COMMENTS, READ, list_comments, query=CommentListQuery, response=Page[CommentPublic]),
    Route("POST", COLLECTION, WRITE, create_ticket, body=TicketCreate, response=TicketPublic, status=201),
    Route("PATCH", ITEM, WRITE, update_ticket, body=TicketUpdate, response=TicketPublic),
    Route(
        "POST",
        COMMENTS,
        ApiKeyScope.TICKETS_COMMENT,
        add_comment,
        body=CommentCreate,
        response=CommentPublic,
        status=201,
    ),
    Route("POST", RESOLVE, ApiKeyScope.TICKETS_RESOLVE, resolve_ticket, response=TicketPublic),
]
