"""The account row: seeded by the migration, registered by CoreApps, re-sharded by the WebApp."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.db.helpers import sql
from wabiz.db import account
from wabiz.db.migrate import sync_transaction


async def test_a_fresh_database_has_an_unregistered_account(session: AsyncSession) -> None:
    seeded = await account.read_account(session)
    assert seeded == account.Account("unregistered", None, None, 1)
    assert not seeded.registered and seeded.business_wa_id is None


async def test_registration_keeps_the_known_vname_when_none_is_given(session: AsyncSession) -> None:
    await account.store_registration(session, "1", "5550100", "pending", "Acme")
    await account.store_registration(session, "1", "5550100", "registered", None)
    stored = await account.read_account(session)
    assert (stored.registered, stored.business_wa_id) == (True, "15550100")
    assert await sql(session, "SELECT vname FROM account") == [("Acme",)]


async def test_shards_change_at_run_time_and_before_start(session: AsyncSession, database_url: str) -> None:
    await account.set_shards(session, 4)
    assert (await account.read_account(session)).shards == 4
    await session.commit()
    with sync_transaction(database_url) as connection:
        account.set_shards_before_start(connection, 8)
    assert (await account.read_account(session)).shards == 8
