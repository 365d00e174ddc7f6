"""Leases against the real PostgreSQL: acquire, renew, fair shares, takeover after expiry."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp.leases import Leases

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
