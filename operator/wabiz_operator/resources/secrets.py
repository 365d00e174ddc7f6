"""The generated Secret: internal token, API key, admin password and the sandbox's secrets.

Values are generated once by the reconciler (`new_generated_values`) and kept: rebuilding the
Secret from the values already stored makes every reconcile idempotent.
"""

from __future__ import annotations

import secrets as random

from wabiz_operator.resources.common import Obj, child_name, metadata

GENERATED_KEYS = (
    "internal-token",
    "api-key",
    "admin-password",
    "sandbox-token",
    "app-secret",
    "verify-token",
)


def generated_secret_name(client: Obj) -> str:
    return child_name(client, "secrets")


def new_generated_values(existing: dict[str, str]) -> dict[str, str]:
    """Keep what exists, add what is missing. The admin password satisfies the contract's rules."""
    values = dict(existing)
    for key in GENERATED_KEYS:
        if key not in values:
            values[key] = random.token_urlsafe(24) if key != "admin-password" else _admin_password()
    return values


def _admin_password() -> str:
    return "Wz-" + random.token_urlsafe(18) + "9a!"


def build_generated_secret(client: Obj, values: dict[str, str]) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(client, "secrets", generated_secret_name(client)),
        "type": "Opaque",
        "stringData": values,
    }
