"""Request body and answer of `POST /v1/contacts`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from wabiz.webapp.bodies import StrictModel
from wabiz.webapp.openapi import AnswerModel, Envelope

MAX_CONTACTS = 1000
ContactInput = Annotated[str, Field(min_length=1, max_length=64)]


class ContactsCheck(StrictModel):
    blocking: Literal["wait", "no_wait"] = "no_wait"
    contacts: Annotated[list[ContactInput], Field(min_length=1, max_length=MAX_CONTACTS)]
    force_check: bool = False


class Contact(AnswerModel):
    input: str
    status: Literal["valid", "invalid", "processing", "failed"]
    # Present only when valid, never null: the schema shows a string that may be left out.
    wa_id: str | SkipJsonSchema[None] = None


class ContactsAnswer(Envelope):
    contacts: list[Contact]
