"""The generated Secrets: the client's own secrets, and the managed database's credentials.

Values are generated once and kept: each pass rebuilds the Secret from the values already stored,
so reconciling is idempotent, and a value is generated only where none exists yet. Whether a
missing Secret may be generated at all is `reconcile/secrets.py`'s decision (never while the data
it protects exists).
"""

from __future__ import annotations

import secrets as random

from wabiz_operator.client import Client
from wabiz_operator.resources.common import Obj, metadata

INTERNAL_TOKEN = "internal-token"  # noqa: S105 (a key name)
API_KEY = "api-key"
ADMIN_PASSWORD = "admin-password"  # noqa: S105
SANDBOX_TOKEN = "sandbox-token"  # noqa: S105
SANDBOX_CONTROL_TOKEN = "sandbox-control-token"  # noqa: S105
APP_SECRET = "app-secret"  # noqa: S105
VERIFY_TOKEN = "verify-token"  # noqa: S105
WEBHOOK_SECRET = "webhook-secret"  # noqa: S105
GENERATED_KEYS = (
    INTERNAL_TOKEN,
    API_KEY,
    ADMIN_PASSWORD,
    SANDBOX_TOKEN,
    SANDBOX_CONTROL_TOKEN,
    APP_SECRET,
    VERIFY_TOKEN,
    WEBHOOK_SECRET,
)
DATABASE_USER = "wabiz"
SUPERUSER_PASSWORD = "superuser-password"  # noqa: S105 (a key name)


def generated_secret_name(client: Client) -> str:
    return client.child("secrets")


def database_secret_name(client: Client) -> str:
    return client.child("postgres")


def new_generated_values(existing: dict[str, str]) -> dict[str, str]:
    """Keep what exists, add what is missing. The admin password satisfies the contract's rules."""
    values = dict(existing)
    for key in GENERATED_KEYS:
        if key not in values:
            values[key] = _admin_password() if key == ADMIN_PASSWORD else random.token_urlsafe(32)
    return values


def new_database_values(existing: dict[str, str]) -> dict[str, str]:
    """The managed database's credentials: the application role (`username`, `password`, what the
    pods read) and the superuser's password (the database container's alone). Kept once made; a
    Secret of 0.1.0, which had no superuser of its own, gains the key (its database ignores it)."""
    values = {"username": DATABASE_USER, **existing}
    for key in ("password", SUPERUSER_PASSWORD):
        values.setdefault(key, random.token_urlsafe(24))
    return values


def _admin_password() -> str:
    # 8–64 characters with a digit, an upper-case, a lower-case and a special character.
    return "Wz-" + random.token_urlsafe(18) + "9a!"


def build_generated_secret(client: Client, values: dict[str, str]) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(client, "secrets", generated_secret_name(client)),
        "type": "Opaque",
        "stringData": values,
    }


def build_database_secret(client: Client, values: dict[str, str]) -> Obj | None:
    if client.spec.database.managed is None:
        return None
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(client, "database", database_secret_name(client)),
        "type": "Opaque",
        "stringData": values,
    }
