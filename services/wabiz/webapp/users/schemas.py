"""Request bodies of `/v1/users…` (the rules on names and passwords live in `kit.passwords`)."""

from __future__ import annotations

from wabiz.webapp.bodies import StrictModel


class Login(StrictModel):
    new_password: str | None = None


class NewUser(StrictModel):
    username: str
    password: str


class PasswordChange(StrictModel):
    password: str
    old_password: str | None = None  # required when changing one's own password (not in the original)
