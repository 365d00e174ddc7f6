"""Leases against the real PostgreSQL: fair shares, renewal, takeover after expiry."""

from __future__ import annotations

from sqlalchemy import text

from wabiz.coreapp.leases import Leases
from wabiz.kit.db import make_engine, make_sessionmaker


async def test_two_nodes_share_and_take_over(database_url: str) -> None:
    engine = make_engine(database_url, 2)
    sessions = make_sessionmaker(engine)
    first, second = Leases("node-a", "http://a"), Leases("node-b", "http://b")
    try:
        async with sessions.begin() as session:
            await first.beat(session, shard_count=4, ttl=30, gateway_status="connected")
        assert first.shards == {0, 1, 2, 3}, "alone, a node takes every shard"
        assert first.master

        async with sessions.begin() as session:
            await second.beat(session, shard_count=4, ttl=30, gateway_status="connected")
        assert second.shards == set(), "held leases are not stolen while renewed"
        assert not second.master

        async with sessions.begin() as session:  # node-a stops renewing: its leases expire
            await session.execute(text("UPDATE leases SET expires_at = now() - interval '1 second'"))
            await session.execute(
                text("UPDATE nodes SET heartbeat_at = now() - interval '1 hour' WHERE id = 'node-a'")
            )
        async with sessions.begin() as session:
            await second.beat(session, shard_count=4, ttl=30, gateway_status="connected")
        assert second.shards == {0, 1, 2, 3}
        assert second.master

        async with sessions.begin() as session:
            epochs = {
                row.name: row.epoch for row in await session.execute(text("SELECT name, epoch FROM leases"))
            }
        assert epochs["master"] == 2, "a takeover bumps the epoch"

        async with sessions.begin() as session:
            await second.leave(session)
            left = (await session.execute(text("SELECT count(*) FROM leases"))).scalar_one()
        assert left == 0
    finally:
        await engine.dispose()


async def test_fewer_shards_releases_the_extra_leases(database_url: str) -> None:
    engine = make_engine(database_url, 2)
    sessions = make_sessionmaker(engine)
    node = Leases("node-a", "http://a")
    try:
        async with sessions.begin() as session:
            await node.beat(session, shard_count=4, ttl=30, gateway_status="connected")
        async with sessions.begin() as session:
            await node.beat(session, shard_count=2, ttl=30, gateway_status="connected")
        assert node.shards == {0, 1}
    finally:
        await engine.dispose()
