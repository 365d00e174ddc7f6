"""The application settings document: the `settings` row named `application`.

It holds only the overrides of the defaults (`kit.appsettings`); every write bumps `version`, which
is how CoreApps notice a change without re-reading the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncSession

APPLICATION = "application"
_READ = "SELECT version, value FROM settings WHERE name = :n"


@dataclass(frozen=True)
class Versioned:
    version: int  # 0: never written
    overrides: dict[str, Any]


async def overrides(session: AsyncSession, for_update: bool = False) -> dict[str, Any]:
    """The stored overrides; `for_update` locks the row until the transaction ends, so that
    concurrent read-merge-write cycles apply one after the other."""
    query = _READ + " FOR UPDATE" if for_update else _READ
    row = (await session.execute(text(query), {"n": APPLICATION})).first()
    return dict(row.value) if row else {}


async def versioned(session: AsyncSession) -> Versioned:
    row = (await session.execute(text(_READ), {"n": APPLICATION})).first()
    return Versioned(row.version, row.value) if row else Versioned(0, {})


async def write(session: AsyncSession, new: dict[str, Any]) -> None:
    """Replace the overrides and bump the version."""
    await session.execute(
        text(
            "INSERT INTO settings (name, value, version) VALUES (:n, CAST(:v AS jsonb), 1)"
            " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value,"
            " version = settings.version + 1, updated_at = now()"
        ),
        {"n": APPLICATION, "v": orjson.dumps(new).decode()},
    )


def seed_before_start(connection: Connection, overrides: dict[str, Any]) -> None:
    """Store `overrides` unless settings were ever written: a default that the user's own choice,
    made on an earlier run, keeps precedence over."""
    connection.execute(
        text(
            "INSERT INTO settings (name, value, version) VALUES (:n, CAST(:v AS jsonb), 1)"
            " ON CONFLICT (name) DO NOTHING"
        ),
        {"n": APPLICATION, "v": orjson.dumps(overrides).decode()},
    )
