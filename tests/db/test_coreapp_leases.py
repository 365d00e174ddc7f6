"""Leases against the real PostgreSQL: acquire, renew, fair shares, takeover after expiry."""

from __future__ import annotations

import time
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp.leases import Leases
from wabiz.db import presence
from wabiz.kit.db import libpq_url

Sessions = async_sessionmaker[AsyncSession]


async def beat(sessions: Sessions, node: Leases, shards: int = 4, ttl: float = 30) -> None:
    async with sessions.begin() as session:
        await node.beat(session, shard_count=shards, ttl=ttl, gateway_status="connected")


async def expire(sessions: Sessions, node_id: str) -> None:
    """The node stopped beating long ago: its leases and its heartbeat are stale."""
    async with sessions.begin() as session:
        await session.execute(
            text("UPDATE leases SET expires_at = now() - interval '1 second' WHERE holder = :n"),
            {"n": node_id},
        )
        await session.execute(
            text("UPDATE nodes SET heartbeat_at = now() - interval '1 hour' WHERE id = :n"), {"n": node_id}
        )


async def lease_rows(sessions: Sessions) -> dict[str, tuple[str, int]]:
    async with sessions() as session:
        rows = await session.execute(text("SELECT name, holder, epoch FROM leases"))
        return {row.name: (row.holder, row.epoch) for row in rows}


async def test_a_lone_node_takes_every_shard_and_master(sessions: Sessions) -> None:
    node = Leases("node-a", "http://a")
    await beat(sessions, node)
    assert node.shards == {0, 1, 2, 3}
    assert node.master
    assert set(await lease_rows(sessions)) == {"master", "shard:0", "shard:1", "shard:2", "shard:3"}


async def test_renewal_pushes_expiry_forward_without_a_new_epoch(sessions: Sessions) -> None:
    node = Leases("node-a", "http://a")
    await beat(sessions, node, ttl=5)
    async with sessions.begin() as session:
        await session.execute(text("UPDATE leases SET expires_at = now() + interval '1 second'"))
    await beat(sessions, node, ttl=60)
    async with sessions() as session:
        left = (await session.execute(text("SELECT min(expires_at - now()) FROM leases"))).scalar_one()
    assert left.total_seconds() > 50
    assert {epoch for _, epoch in (await lease_rows(sessions)).values()} == {1}


async def test_held_leases_are_not_stolen_but_expired_ones_are_taken_over(sessions: Sessions) -> None:
    first, second = Leases("node-a", "http://a"), Leases("node-b", "http://b")
    await beat(sessions, first)
    await beat(sessions, second)
    assert second.shards == set(), "renewed leases stay with their holder"
    assert not second.master

    await expire(sessions, "node-a")
    await beat(sessions, second)
    assert second.shards == {0, 1, 2, 3}
    assert second.master
    rows = await lease_rows(sessions)
    assert rows["master"] == ("node-b", 2), "a takeover bumps the epoch"


async def test_a_new_node_gets_its_fair_share(sessions: Sessions) -> None:
    first, second = Leases("node-a", "http://a"), Leases("node-b", "http://b")
    await beat(sessions, first)
    await beat(sessions, second)  # node-b is now live, so node-a's share halves
    await beat(sessions, first)
    assert first.shards == {0, 1}, "the surplus is handed back"
    await beat(sessions, second)
    assert second.shards == {2, 3}
    assert first.master and not second.master


async def test_fewer_shards_releases_the_extra_leases(sessions: Sessions) -> None:
    node = Leases("node-a", "http://a")
    await beat(sessions, node, shards=4)
    await beat(sessions, node, shards=2)
    assert node.shards == {0, 1}
    assert "shard:3" not in await lease_rows(sessions)


async def test_a_node_serves_a_shard_only_inside_its_lease(sessions: Sessions) -> None:
    node = Leases("node-a", "http://a")
    await beat(sessions, node, shards=1)
    assert not node.owns(0), "not before the renewal is confirmed"
    node.confirm(time.monotonic(), ttl=30)
    assert node.owns(0)
    node.confirm(time.monotonic() - 30, ttl=30)
    assert not node.owns(0), "a node cut off from the database stops before others may take over"


async def test_leave_hands_everything_back(sessions: Sessions) -> None:
    node = Leases("node-a", "http://a")
    await beat(sessions, node)
    async with sessions.begin() as session:
        await node.leave(session)
        nodes = (await session.execute(text("SELECT count(*) FROM nodes"))).scalar_one()
    assert await lease_rows(sessions) == {}
    assert nodes == 0
    assert node.shards == set()


# -- fast takeover: the presence lock ---------------------------------------------------------


class Present:
    """A node's presence lock on a connection of its own, as `coreapp/presence.py` holds it."""

    def __init__(self, database_url: str) -> None:
        self._url = libpq_url(database_url)
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self.key: int | None = None

    async def __aenter__(self) -> Present:
        self.conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
        self.key = await presence.hold_new_lock(self.conn)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.end()

    async def end(self) -> None:
        """The process died: its connection ends, PostgreSQL releases the lock."""
        if self.conn is not None:
            await self.conn.close()
            self.conn = None


async def presence_beat(sessions: Sessions, node: Leases, key: int | None) -> None:
    async with sessions.begin() as session:
        await node.beat(session, shard_count=4, ttl=30, gateway_status="connected", presence_key=key)


async def test_a_gone_node_is_taken_over_at_once_not_at_expiry(sessions: Sessions, database_url: str) -> None:
    first, second = Leases("node-a", "http://a"), Leases("node-b", "http://b")
    async with Present(database_url) as a, Present(database_url) as b:
        await presence_beat(sessions, first, a.key)
        await presence_beat(sessions, second, b.key)
        assert second.shards == set(), "node-a is alive: its leases are its own for 30 s"
        await a.end()
        await presence_beat(sessions, second, b.key)
        assert second.shards == {0, 1, 2, 3} and second.master, "taken long before the 30 s expiry"
        assert (await lease_rows(sessions))["shard:0"] == ("node-b", 2), "a new epoch fences node-a"


async def test_no_fast_takeover_after_a_database_restart(sessions: Sessions, database_url: str) -> None:
    """Every lock is lost when the server restarts or fails over: there only expiry counts."""
    first, second = Leases("node-a", "http://a"), Leases("node-b", "http://b")
    async with Present(database_url) as a, Present(database_url) as b:
        await presence_beat(sessions, first, a.key)
        async with sessions.begin() as session:  # renewed on a server that is not this one
            await session.execute(text("UPDATE leases SET server_started = now() - interval '1 day'"))
        await a.end()
        await presence_beat(sessions, second, b.key)
        assert second.shards == set()


async def test_a_node_without_a_presence_key_keeps_its_leases_until_they_expire(
    sessions: Sessions, database_url: str
) -> None:
    """A CoreApp of the previous release announces no presence key (a rolling upgrade)."""
    old, new = Leases("node-old", "http://old"), Leases("node-new", "http://new")
    await beat(sessions, old)
    async with Present(database_url) as present:
        await presence_beat(sessions, new, present.key)
        assert new.shards == set()
        await expire(sessions, "node-old")
        await presence_beat(sessions, new, present.key)
        assert new.shards == {0, 1, 2, 3}
