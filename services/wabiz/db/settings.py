"""The settings documents: one `settings` row each, JSON, versioned.

`application` holds only the overrides of the defaults (`kit.appsettings`); `webhooks_ca` the CA
bundle the webhook client trusts (`{"pem": …}`, `{}` when removed); `media_providers` the media
providers by name. Every write bumps the row's `version`, which is how CoreApps notice a change
without re-reading the document. Rows are never deleted, so a version never repeats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncSession

APPLICATION = "application"
WEBHOOKS_CA = "webhooks_ca"
MEDIA_PROVIDERS = "media_providers"
_READ = "SELECT version, value FROM settings WHERE name = :n"


@dataclass(frozen=True)
class Versioned:
    version: int  # 0: never written
    overrides: dict[str, Any]


async def overrides(
    session: AsyncSession, for_update: bool = False, name: str = APPLICATION
) -> dict[str, Any]:
    """The stored document (`{}` if never written); `for_update` locks the row until the
    transaction ends, so that concurrent read-merge-write cycles apply one after the other."""
    query = _READ + " FOR UPDATE" if for_update else _READ
    row = (await session.execute(text(query), {"n": name})).first()
    return dict(row.value) if row else {}


async def versioned(session: AsyncSession, name: str = APPLICATION) -> Versioned:
    return (await several_versioned(session, (name,)))[name]


async def several_versioned(session: AsyncSession, names: tuple[str, ...]) -> dict[str, Versioned]:
    """Several documents in one read (a CoreApp syncs them together)."""
    rows = await session.execute(
        text("SELECT name, version, value FROM settings WHERE name = ANY(:names)"), {"names": list(names)}
    )
    found = {row.name: Versioned(row.version, row.value) for row in rows}
    return {name: found.get(name, Versioned(0, {})) for name in names}


async def write(session: AsyncSession, new: dict[str, Any], name: str = APPLICATION) -> None:
    """Replace the document and bump the version."""
    await session.execute(
        text(
            "INSERT INTO settings (name, value, version) VALUES (:n, CAST(:v AS jsonb), 1)"
            " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value,"
            " version = settings.version + 1, updated_at = now()"
        ),
        {"n": name, "v": orjson.dumps(new).decode()},
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
