"""Request body of `POST /v1/contacts`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from wabiz.webapp.bodies import StrictModel

MAX_CONTACTS = 1000

ContactInput = Annotated[str, Field(min_length=1, max_length=64)]


class ContactsCheck(StrictModel):
    blocking: Literal["wait", "no_wait"] = "no_wait"
    contacts: Annotated[list[ContactInput], Field(min_length=1, max_length=MAX_CONTACTS)]
    force_check: bool = False
