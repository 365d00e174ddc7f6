"""Request body and answer of `POST /v1/contacts`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from wabiz.webapp.bodies import StrictModel
from wabiz.webapp.openapi import AnswerModel, Envelope

MAX_CONTACTS = 1000
ContactInput = Annotated[str, Field(min_length=1, max_length=64)]


class ContactsCheck(StrictModel):
    blocking: Literal["wait", "no_wait"] = "no_wait"
    contacts: Annotated[list[ContactInput], Field(min_length=1, max_length=MAX_CONTACTS)]
    force_check: bool = False


class ValidContact(AnswerModel):
    input: str
    status: Literal["valid"]
    wa_id: str


class UnconfirmedContact(AnswerModel):
    """Not a WhatsApp user, still being checked (`no_wait`), or the check failed: no `wa_id`."""

    input: str
    status: Literal["invalid", "processing", "failed"]


class ContactsAnswer(Envelope):
    contacts: list[ValidContact | UnconfirmedContact]
