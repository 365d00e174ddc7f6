"""The settings document: overrides only, a version bumped by every write."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import settings
from wabiz.db.migrate import sync_transaction


async def test_every_write_bumps_the_version(session: AsyncSession) -> None:
    assert await settings.versioned(session) == settings.Versioned(0, {})
    assert await settings.overrides(session) == {}
    await settings.write(session, {"pass_through": True})
    await settings.write(session, {"pass_through": False})
    assert await settings.versioned(session) == settings.Versioned(2, {"pass_through": False})
    assert await settings.overrides(session, for_update=True) == {"pass_through": False}


async def test_a_seed_never_replaces_written_settings(session: AsyncSession, database_url: str) -> None:
    with sync_transaction(database_url) as connection:
        settings.seed_before_start(connection, {"webhooks": {"url": "http://first"}})
    with sync_transaction(database_url) as connection:
        settings.seed_before_start(connection, {"webhooks": {"url": "http://second"}})
    assert await settings.versioned(session) == settings.Versioned(1, {"webhooks": {"url": "http://first"}})
