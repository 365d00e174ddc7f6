"""Secrets of a local stack, generated once and kept (0600) in the data directory.

Keeping them lets a second `wabiz up` on the same directory reuse tokens that live in the database
(webhook signatures, API key) instead of invalidating them.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

NAMES = (
    "internal_token",
    "sandbox_token",
    "app_secret",
    "verify_token",
    "api_key",
    "webhook_secret",
    "sandbox_control_token",
)


def load_or_create(path: Path) -> dict[str, str]:
    current: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in NAMES if name not in current]
    if missing:
        current.update({name: secrets.token_urlsafe(24) for name in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(current, out, indent=2)
    return current
