"""`POST /v1/contacts`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.bodies import documented
from wabiz.webapp.contacts import service
from wabiz.webapp.contacts.schemas import ContactsAnswer, ContactsCheck
from wabiz.webapp.deps import CurrentUser, State, body_of
from wabiz.webapp.openapi import answered, errors

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


@router.post(
    "",
    openapi_extra=documented(ContactsCheck),
    responses=errors(400, also={200: answered("One result per input, in the order given", ContactsAnswer)}),
)
async def check_contacts(
    user: CurrentUser, body: Annotated[ContactsCheck, body_of(ContactsCheck)], state: State
) -> JSON:
    """Which of these numbers are WhatsApp users (`valid` with their `wa_id`)."""
    return JSON(ok(contacts=await service.check_contacts(state, body)))
