"""Nodes and leases: names, taking over expired leases, and what the cluster looks like."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.db.helpers import sql
from wabiz.db import leases

TTL = 30.0


@pytest.mark.parametrize(
    ("name", "shard"),
    [("shard:0", 0), ("shard:31", 31), ("master", None), ("shard:x", None), ("shard:", None)],
)
def test_shard_of_lease(name: str, shard: int | None) -> None:
    assert leases.shard_of_lease(name) == shard


def test_shard_lease_names_read_back() -> None:
    assert [leases.shard_of_lease(leases.shard_lease(n)) for n in range(4)] == [0, 1, 2, 3]


async def join(session: AsyncSession, node: str, *names: str) -> None:
    await leases.announce(session, node, "host", f"http://{node}", "connected")
    for name in names:
        assert await leases.acquire(session, name, node, TTL)


async def test_a_lease_is_taken_only_when_free_expired_or_already_held(session: AsyncSession) -> None:
    await join(session, "a", "shard:0", leases.MASTER)
    assert not await leases.acquire(session, "shard:0", "b", TTL)
    assert await leases.acquire(session, "shard:0", "a", TTL), "renewing one's own"
    await sql(session, "UPDATE leases SET expires_at = now() - interval '1 second' WHERE name = 'shard:0'")
    assert await leases.acquire(session, "shard:0", "b", TTL)
    assert [(row.name, row.holder, row.epoch) for row in await leases.all_leases(session)] == [
        ("master", "a", 1),
        ("shard:0", "b", 2),
    ], "a new holder bumps the epoch"


async def test_renewal_reports_shards_and_master(session: AsyncSession) -> None:
    await join(session, "a", "shard:2", "shard:10", leases.MASTER)
    assert await leases.renew(session, "a", TTL) == leases.Held(frozenset({2, 10}), True)
    await leases.release_shards(session, "a", [10])
    assert await leases.renew(session, "a", TTL) == leases.Held(frozenset({2}), True)
    assert await leases.renew(session, "b", TTL) == leases.Held(frozenset(), False)


async def test_the_cluster_as_the_webapp_sees_it(session: AsyncSession) -> None:
    await join(session, "a", "shard:0", "shard:1", leases.MASTER)
    await join(session, "b", "shard:2")
    await join(session, "gone")
    await sql(session, "UPDATE nodes SET heartbeat_at = now() - interval '1 hour' WHERE id = 'gone'")
    await sql(session, "UPDATE leases SET expires_at = now() - interval '1 second' WHERE name = 'shard:1'")
    assert await leases.shard_owners(session) == {0: "http://a", 2: "http://b"}
    assert await leases.owned_shard_count(session) == 2
    assert await leases.master_holder(session) == "a"
    assert await leases.live_node_count(session, TTL) == 2
    assert set(await leases.live_node_urls(session, TTL)) == {"http://a", "http://b"}
    assert await leases.live_nodes(session, TTL) == [
        leases.LiveNode("a", "host", "connected", 1),
        leases.LiveNode("b", "host", "connected", 1),
    ]
    assert [row.name for row in await leases.all_leases(session)] == [
        "master",
        "shard:0",
        "shard:1",
        "shard:2",
    ]


async def test_leaving_and_forgetting_nodes(session: AsyncSession) -> None:
    await join(session, "a", "shard:0", leases.MASTER)
    await join(session, "b", "shard:1")
    await leases.leave(session, "a")
    assert [row.holder for row in await leases.all_leases(session)] == ["b"]
    assert [node.id for node in await leases.all_nodes(session)] == ["b"]
    await sql(session, "UPDATE nodes SET heartbeat_at = now() - interval '1 hour'")
    await leases.forget_dead_nodes(session, 600)
    assert await leases.all_nodes(session) == []
