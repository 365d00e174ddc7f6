"""Request bodies of the profile and two-step endpoints, with the network's limits, and the
answers in their On-Premises shapes (`settings.business.profile`, `settings.profile.…`).

`null` for an optional field means "not given", as On-Premises clients send it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from wabiz.webapp.bodies import StrictModel
from wabiz.webapp.openapi import AnswerModel, Envelope
from wabiz.webapp.profile.rules import VERTICAL_NAMES, vertical_code

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Website = Annotated[str, Field(max_length=256, pattern=r"^https?://\S+$")]


class BusinessProfile(StrictModel):
    """Fields to change; those not given stay as they are."""

    address: Annotated[str, Field(max_length=256)] | None = None
    description: Annotated[str, Field(max_length=512)] | None = None
    email: Annotated[str, Field(max_length=128)] | None = None
    vertical: str | None = None
    websites: Annotated[list[Website], Field(max_length=2)] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, email: str | None) -> str | None:
        if email and not _EMAIL.match(email):
            raise ValueError("must be an email address (name@example.com)")
        return email

    @field_validator("vertical")
    @classmethod
    def _vertical(cls, vertical: str | None) -> str | None:
        if vertical is None:
            return None
        code = vertical_code(vertical)
        if code is None:
            raise ValueError(f"must be one of: {'; '.join(VERTICAL_NAMES.values())}")
        return code


class About(StrictModel):
    text: Annotated[str, Field(min_length=1, max_length=139)]


class TwoStep(StrictModel):
    pin: Annotated[str, Field(pattern=r"^[0-9]{6}$")]


class ProfileFields(AnswerModel):
    """Every field, empty when never set; `vertical` in words ("Professional Services")."""

    address: str
    description: str
    email: str
    vertical: str
    websites: list[str]


class BusinessSection(AnswerModel):
    profile: ProfileFields


class BusinessSettings(AnswerModel):
    business: BusinessSection


class BusinessProfileAnswer(Envelope):
    settings: BusinessSettings


class AboutText(AnswerModel):
    text: str


class AboutSection(AnswerModel):
    about: AboutText


class AboutSettings(AnswerModel):
    profile: AboutSection


class AboutAnswer(Envelope):
    settings: AboutSettings


class PhotoLink(AnswerModel):
    link: str


class PhotoSection(AnswerModel):
    photo: PhotoLink


class PhotoSettings(AnswerModel):
    profile: PhotoSection


class PhotoLinkAnswer(Envelope):
    settings: PhotoSettings
