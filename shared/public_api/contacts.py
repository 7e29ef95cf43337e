"""`/v1/contacts`: the team's contacts (the documents the sync engine and the triggers use)."""

from __future__ import annotations

from shared.models.api_keys import ApiKeyScope
from shared.models.base import Page
from shared.models.helpdesk import ContactCreate, ContactListQuery, ContactPublic, ContactUpdate
from shared.public_api import listing
from shared.public_api.problems import Problem
from shared.public_api.router import Call, Reply, Route
from shared.store import contacts as store

COLLECTION = "/v1/contacts"
ITEM = "/v1/contacts/{id}"


def _not_found() -> Problem:
    return Problem(404, "not-found", "no contact with this id")


def list_contacts(call: Call) -> Reply:
    query = call.query_as(ContactListQuery)
    body = listing.page(
        "contacts",
        [query.email, query.updated_since],
        query.limit,
        query.cursor,
        lambda after, limit: store.list_page(call.team_id, query.email, query.updated_since, after, limit),
        ContactPublic.from_doc,
    )
    return Reply(200, body)


def get_contact(call: Call) -> Reply:
    doc = store.get(call.team_id, call.params["id"])
    if doc is None:
        raise _not_found()
    return Reply(200, ContactPublic.from_doc(doc).to_wire())


def create_contact(call: Call) -> Reply:
    contact_id = call.new_id or store.new_id(call.team_id)
    doc, _ = store.create(call.team_id, contact_id, call.body_as(ContactCreate))
    return Reply(201, ContactPublic.from_doc(doc).to_wire(), {"Location": f"{COLLECTION}/{doc.id}"})


def update_contact(call: Call) -> Reply:
    doc = store.update(call.team_id, call.params["id"], call.body_as(ContactUpdate))
    if doc is None:
        raise _not_found()
    return Reply(200, ContactPublic.from_doc(doc).to_wire())


def delete_contact(call: Call) -> Reply:
    if not store.delete(call.team_id, call.params["id"]):
        raise _not_found()
    return Reply(204)


ROUTES = [
    Route(
        "GET",
        COLLECTION,
        ApiKeyScope.CONTACTS_READ,
        list_contacts,
        query=ContactListQuery,
        response=Page[ContactPublic],
    ),
    Route("GET", ITEM, ApiKeyScope.CONTACTS_READ, get_contact, response=ContactPublic),
    Route(
        "POST",
        COLLECTION,
        ApiKeyScope.CONTACTS_WRITE,
        create_contact,
        body=ContactCreate,
        response=ContactPublic,
        status=201,
    ),
    Route(
        "PATCH", ITEM, ApiKeyScope.CONTACTS_WRITE, update_contact, body=ContactUpdate, response=ContactPublic
    ),
    Route("DELETE", ITEM, ApiKeyScope.CONTACTS_WRITE, delete_contact, status=204),
]
