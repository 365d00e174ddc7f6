"""The shard map and the known-invalid cache, read from a real database."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.webapp.contacts.known_invalid import KnownInvalid
from wabiz.webapp.routing import ShardMapCache, read_shard_map

Sessions = async_sessionmaker[AsyncSession]


async def sql(sessions: Sessions, statement: str, **params: Any) -> None:
    async with sessions.begin() as session:
        await session.execute(text(statement), params)


async def test_the_shard_map_holds_live_leases_and_live_nodes(sessions: Sessions) -> None:
    await sql(
        sessions,
        "INSERT INTO nodes (id, hostname, internal_url, gateway_status, heartbeat_at) VALUES"
        " ('a', 'h', 'http://a', 'connected', now() - interval '1 second'),"
        " ('b', 'h', 'http://b', 'connected', now()),"
        " ('dead', 'h', 'http://dead', 'connected', now() - interval '1 hour')",
    )
    await sql(
        sessions,
        "INSERT INTO leases (name, holder, epoch, expires_at) VALUES"
        " ('shard:0', 'a', 1, now() + interval '1 minute'), ('shard:1', 'b', 1, now() - interval '1 second'),"
        " ('master', 'a', 1, now() + interval '1 minute')",
    )
    await sql(sessions, "UPDATE account SET state = 'registered', cc = '1', phone_number = '555', shards = 2")
    async with sessions() as session:
        shard_map = await read_shard_map(session)
    assert shard_map.owners == {0: "http://a"}, "expired leases own nothing"
    assert shard_map.nodes == ("http://b", "http://a"), "live nodes, freshest heartbeat first"
    assert (shard_map.shards, shard_map.business_wa_id, shard_map.registered) == (2, "1555", True)


class _Counting:
    """A sessionmaker that counts the sessions opened."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions, self.opened = sessions, 0

    def begin(self) -> AbstractAsyncContextManager[AsyncSession]:
        self.opened += 1
        return self.sessions.begin()


async def test_the_cache_reads_once_for_many_callers(sessions: Sessions) -> None:
    counting = _Counting(sessions)
    cache = ShardMapCache(counting, max_age=60)  # type: ignore[arg-type]
    await asyncio.gather(*(cache.get() for _ in range(20)))
    assert counting.opened == 1
    await cache.get()
    assert counting.opened == 1, "fresh enough"
    await asyncio.gather(*(cache.get(fresh=True) for _ in range(20)))
    assert counting.opened <= 3, "concurrent fresh reads share a read that began after they asked"


async def test_known_invalid_follows_the_contacts_table(sessions: Sessions) -> None:
    await sql(
        sessions,
        "INSERT INTO contacts (wa_id, valid, checked_at) VALUES ('111', false, now()),"
        " ('222', true, now()), ('333', false, now() - interval '8 days')",
    )
    known = KnownInvalid(sessions)
    await known.refresh()
    assert [known.is_invalid(w) for w in ("111", "222", "333")] == [True, False, False]
    await sql(sessions, "UPDATE contacts SET valid = true, checked_at = now() WHERE wa_id = '111'")
    await sql(sessions, "UPDATE contacts SET valid = false, checked_at = now() WHERE wa_id = '222'")
    await known.refresh()
    assert [known.is_invalid(w) for w in ("111", "222")] == [False, True], "changes since the last read"
    known.remember({"444": False, "222": True}, checked_at=0)
    assert not known.is_invalid("444"), "a verdict older than 7 days does not count"
    assert not known.is_invalid("222")
