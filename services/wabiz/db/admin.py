"""The built-in admin's password from the environment (`WABIZ_ADMIN_PASSWORD`), set by `wabiz migrate`.

The initial migration seeds `admin` with a well-known password that its first login must change.
A deployment that cannot leave that window open (Kubernetes: the Service is reachable before
anyone logs in) gives the password to the migration instead, which runs before any WebApp: the
password is hashed and stored, and the first-login change is no longer required.

Idempotent: when the stored hash already verifies and no change is pending, nothing is written,
so rerunning the Job changes nothing a client can observe. Another value replaces the password
and revokes the admin's tokens, as any password change does; with the variable set, it is the
admin's password, and a change made through the API is undone by the next migration run.
"""

from __future__ import annotations

import logging

from pydantic import Field, SecretStr, field_validator
from sqlalchemy import Connection, text

from wabiz.db.migrate import sync_transaction
from wabiz.db.users import ROLE_ADMIN
from wabiz.kit.config import CommonConfig
from wabiz.kit.passwords import BOOTSTRAP_ADMIN, hash_password, password_problem, verify_password

log = logging.getLogger(__name__)


class MigrateConfig(CommonConfig):
    uses_internal_token = False

    admin_password: SecretStr | None = Field(
        None, description="the built-in admin's password, applied after the migrations"
    )

    @field_validator("admin_password")
    @classmethod
    def _password_rules(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and (problem := password_problem(value.get_secret_value())):
            raise ValueError(f"WABIZ_ADMIN_PASSWORD breaks the password rules: {problem}")
        return value


def _apply(connection: Connection, password: str) -> bool:
    row = connection.execute(
        text("SELECT password_hash, password_change_required FROM users WHERE username = :u FOR UPDATE"),
        {"u": BOOTSTRAP_ADMIN},
    ).first()
    if row is not None and not row.password_change_required and verify_password(password, row.password_hash):
        return False
    connection.execute(
        text(
            "INSERT INTO users (username, password_hash, role, password_change_required)"
            " VALUES (:u, :h, :r, false)"
            " ON CONFLICT (username) DO UPDATE"
            " SET password_hash = excluded.password_hash, password_change_required = false"
        ),
        {"u": BOOTSTRAP_ADMIN, "h": hash_password(password), "r": ROLE_ADMIN},
    )
    connection.execute(text("DELETE FROM tokens WHERE username = :u"), {"u": BOOTSTRAP_ADMIN})
    return True


def apply_admin_password(url: str, password: str) -> bool:
    """Make `password` the admin's; whether anything changed."""
    with sync_transaction(url) as connection:
        changed = _apply(connection, password)
    log.info("admin password %s (WABIZ_ADMIN_PASSWORD)", "set" if changed else "already current")
    return changed
