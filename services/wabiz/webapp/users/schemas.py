"""Request bodies and answers of `/v1/users…` (the rules on names and passwords live in
`kit.passwords`)."""

from __future__ import annotations

from typing import Literal

from wabiz.webapp.bodies import StrictModel
from wabiz.webapp.openapi import AnswerModel, Envelope


class Login(StrictModel):
    new_password: str | None = None


class NewUser(StrictModel):
    username: str
    password: str


class PasswordChange(StrictModel):
    password: str
    old_password: str | None = None  # required when changing one's own password (not in the original)


class Token(AnswerModel):
    token: str
    expires_after: str  # UTC, "2026-12-01 10:00:00+00:00" as On-Premises wrote it


class LoginAnswer(Envelope):
    users: list[Token]


class Username(AnswerModel):
    username: str


class CreatedUserAnswer(Envelope):
    users: list[Username]


class User(AnswerModel):
    username: str
    role: Literal["ROLE_ADMIN", "ROLE_USER"]


class UserAnswer(Envelope):
    users: list[User]
