"""/v1/contacts: the project's address book."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.clock import iso
from switchboard.errors import InvalidInput
from switchboard.models.common import check_e164
from switchboard.models.contact import Contact, ContactCreate, ContactList, ContactUpdate

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


@router.get("", response_model=ContactList)
def list_contacts(ctx: CtxDep, limit: Limit = 50, offset: Offset = 0, search: str | None = None) -> dict[str, Any]:
    if not (search or "").strip():  # a page of the address book; a search reads it all (names ignore case)
        items, total, has_more = ctx.c.contacts.list(ctx.project_id, limit, offset)
        return {"data": items, "total": total, "hasMore": has_more}
    found = ctx.c.contacts.search(ctx.project_id, search)
    return {"data": found[offset:offset + limit], "total": len(found), "hasMore": offset + limit < len(found)}


@router.post("", response_model=Contact, status_code=201)
def create_contact(body: ContactCreate, ctx: CtxDep) -> dict[str, Any]:
    return ctx.c.contacts.create(ctx.project_id, body.model_dump())


@router.get("/capabilities")
def contact_capabilities(ctx: CtxDep, phone_number: str) -> dict[str, Any]:
    """What a number can receive, as the carrier answers (Twilio: SMS yes, iMessage no)."""
    try:
        check_e164(phone_number)
    except ValueError as exc:
        raise InvalidInput(f"'phone_number': {exc}.") from exc
    caps = ctx.c.carrier.messaging_capabilities(phone_number)
    return {"phoneNumber": phone_number, "capabilities": {"imessage": caps["imessage"], "sms": caps["sms"]},
            "checkedAt": iso(ctx.c.clock())}


@router.get("/{contact_id}", response_model=Contact)
def get_contact(contact_id: str, ctx: CtxDep) -> dict[str, Any]:
    return ctx.c.contacts.get(ctx.project_id, contact_id)


@router.patch("/{contact_id}", response_model=Contact)
def update_contact(contact_id: str, body: ContactUpdate, ctx: CtxDep) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("phoneNumber", "") is None or changes.get("name", "") is None:
        raise InvalidInput("'phoneNumber' and 'name' cannot be removed from a contact.")
    return ctx.c.contacts.update(ctx.project_id, contact_id, changes)


@router.delete("/{contact_id}", status_code=204)
def delete_contact(contact_id: str, ctx: CtxDep) -> Response:
    ctx.c.contacts.delete(ctx.project_id, contact_id)
    return Response(status_code=204)
