"""CoreApp nodes and the leases they hold: `master` and one `shard:<n>` per shard.

A lease is a row whose holder keeps pushing `expires_at` forward every heartbeat; one not renewed
in time may be taken by another node, and the atomic `INSERT … ON CONFLICT … WHERE expired`
decides such races in the database, never in Python. A node is a row its CoreApp refreshes with
each heartbeat: where to reach it, what it last said about its gateway, and the key of the
presence lock its process holds (`coreapp/presence.py`), whose release lets another node take its
leases at once instead of after expiry. Lease names are made
and read only here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

MASTER = "master"
# The advisory-lock namespace of the nodes' presence locks (`pg_advisory_lock(ns, key)`): "wbz1";
# the function `wabiz_node_gone` (migration 0002) names the same number.
PRESENCE_NS = 0x77627A31

_SHARD_PREFIX = "shard:"
_SHARD_LEASES = _SHARD_PREFIX + "%"  # a LIKE pattern


def shard_lease(shard: int) -> str:
    return f"{_SHARD_PREFIX}{shard}"


def shard_of_lease(name: str) -> int | None:
    """`shard:3` → 3; any other name → None."""
    number = name.removeprefix(_SHARD_PREFIX)
    return int(number) if number != name and number.isdigit() else None


def lease_owners(rows: Iterable[tuple[str, str]]) -> dict[int, str]:
    """`[("shard:3", url)]` → `{3: url}`; other lease names are ignored."""
    return {shard: url for name, url in rows if (shard := shard_of_lease(name)) is not None}


@dataclass(frozen=True)
class Held:
    """What a node still holds after renewing its leases."""

    shards: frozenset[int]
    master: bool


@dataclass(frozen=True)
class LiveNode:
    id: str
    hostname: str
    gateway_status: str
    shards: int  # how many live shard leases it holds


@dataclass(frozen=True)
class LeaseRow:
    name: str
    holder: str
    epoch: int
    live: bool
    acquired_at: datetime


@dataclass(frozen=True)
class NodeRow:
    id: str
    hostname: str
    internal_url: str
    gateway_status: str
    heartbeat_at: datetime


# -- a node's own heartbeat ----------------------------------------------------------------------


async def announce(
    session: AsyncSession,
    node_id: str,
    hostname: str,
    url: str,
    gateway_status: str,
    presence_key: int | None = None,
) -> None:
    """Register or refresh the node; `presence_key` is the presence lock it holds (None: none)."""
    await session.execute(
        text(
            "INSERT INTO nodes (id, hostname, internal_url, gateway_status, heartbeat_at, started_at,"
            " presence_key) VALUES (:id, :hostname, :url, :gateway, now(), now(), :key)"
            " ON CONFLICT (id) DO UPDATE SET internal_url = :url, gateway_status = :gateway,"
            " heartbeat_at = now(), presence_key = :key"
        ),
        {"id": node_id, "hostname": hostname, "url": url, "gateway": gateway_status, "key": presence_key},
    )


async def renew(session: AsyncSession, holder: str, ttl: float) -> Held:
    names = (
        await session.execute(
            text(
                "UPDATE leases SET expires_at = now() + make_interval(secs => :ttl),"
                " server_started = pg_postmaster_start_time() WHERE holder = :me RETURNING name"
            ),
            {"me": holder, "ttl": ttl},
        )
    ).scalars()
    renewed = {str(name) for name in names}
    shards = frozenset(shard for name in renewed if (shard := shard_of_lease(name)) is not None)
    return Held(shards, MASTER in renewed)


async def acquire(session: AsyncSession, name: str, holder: str, ttl: float) -> bool:
    """Take the lease if it is free, expired, held by a node that is gone, or already ours; a new
    holder bumps `epoch`, the fencing token of the lease.

    A holder is gone (`wabiz_node_gone`, migration 0002) when its process held its presence lock
    on this very server (the lease was renewed here since the server started) and the lock is
    released, which PostgreSQL
    does the moment the holder's connection ends. A server that restarted or was replaced (a
    failover) has lost every lock, so there only expiry counts. A holder that never had a presence
    key (a node of the previous release) is taken over by expiry only, too.
    """
    result = await session.execute(
        text(
            "INSERT INTO leases (name, holder, epoch, expires_at, acquired_at, server_started)"
            " VALUES (:name, :me, 1, now() + make_interval(secs => :ttl), now(), pg_postmaster_start_time())"
            " ON CONFLICT (name) DO UPDATE"
            " SET holder = :me,"
            " epoch = leases.epoch + CASE WHEN leases.holder = :me THEN 0 ELSE 1 END,"
            " expires_at = EXCLUDED.expires_at, server_started = EXCLUDED.server_started,"
            " acquired_at = CASE WHEN leases.holder = :me THEN leases.acquired_at ELSE now() END"
            " WHERE leases.holder = :me OR leases.expires_at < now()"
            " OR (leases.server_started = pg_postmaster_start_time() AND wabiz_node_gone(leases.holder))"
            " RETURNING name"
        ),
        {"name": name, "me": holder, "ttl": ttl},
    )
    return result.first() is not None


async def release_shards(session: AsyncSession, holder: str, shards: Iterable[int]) -> None:
    await session.execute(
        text("DELETE FROM leases WHERE holder = :me AND name = ANY(:names)"),
        {"me": holder, "names": [shard_lease(n) for n in shards]},
    )


async def leave(session: AsyncSession, node_id: str) -> None:
    """Hand back every lease of the node and forget the node."""
    await session.execute(text("DELETE FROM leases WHERE holder = :me"), {"me": node_id})
    await session.execute(text("DELETE FROM nodes WHERE id = :me"), {"me": node_id})


async def forget_dead_nodes(session: AsyncSession, silent_for: float) -> None:
    await session.execute(
        text("DELETE FROM nodes WHERE heartbeat_at < now() - make_interval(secs => :t)"), {"t": silent_for}
    )


# -- what the cluster looks like -----------------------------------------------------------------


async def live_node_count(session: AsyncSession, window: float) -> int:
    """Nodes whose heartbeat is younger than `window` seconds and which are not gone (their
    presence lock released): a dead node's shards are shared out at once, not half of them."""
    live = await session.execute(
        text(
            "SELECT count(*) FROM nodes WHERE heartbeat_at > now() - make_interval(secs => :ttl)"
            " AND NOT wabiz_node_gone(id)"
        ),
        {"ttl": window},
    )
    return int(live.scalar_one())


async def live_node_urls(session: AsyncSession, window: float) -> tuple[str, ...]:
    """Internal URLs of the live nodes, most recent heartbeat first."""
    urls = await session.execute(
        text(
            "SELECT internal_url FROM nodes WHERE heartbeat_at > now() - make_interval(secs => :w)"
            " ORDER BY heartbeat_at DESC"
        ),
        {"w": window},
    )
    return tuple(urls.scalars())


async def live_nodes(session: AsyncSession, window: float) -> list[LiveNode]:
    rows = await session.execute(
        text(
            "SELECT n.id, n.hostname, n.gateway_status,"
            " count(l.name) FILTER (WHERE l.name LIKE :shard_leases) AS shards"
            " FROM nodes n LEFT JOIN leases l ON l.holder = n.id AND l.expires_at > now()"
            " WHERE n.heartbeat_at > now() - make_interval(secs => :w)"
            " GROUP BY n.id ORDER BY n.id"
        ),
        {"w": window, "shard_leases": _SHARD_LEASES},
    )
    return [LiveNode(r.id, r.hostname, r.gateway_status, int(r.shards)) for r in rows]


async def shard_owners(session: AsyncSession) -> dict[int, str]:
    """Shard → internal URL of the node holding its live lease."""
    rows = await session.execute(
        text(
            "SELECT l.name, n.internal_url FROM leases l JOIN nodes n ON n.id = l.holder"
            " WHERE l.name LIKE :shard_leases AND l.expires_at > now()"
        ),
        {"shard_leases": _SHARD_LEASES},
    )
    return lease_owners((row.name, row.internal_url) for row in rows)


async def owned_shard_count(session: AsyncSession) -> int:
    owned = await session.execute(
        text("SELECT count(*) FROM leases WHERE name LIKE :shard_leases AND expires_at > now()"),
        {"shard_leases": _SHARD_LEASES},
    )
    return int(owned.scalar_one())


async def master_holder(session: AsyncSession) -> str | None:
    holder: str | None = (
        await session.execute(
            text("SELECT holder FROM leases WHERE name = :master AND expires_at > now()"), {"master": MASTER}
        )
    ).scalar()
    return holder


async def all_leases(session: AsyncSession) -> list[LeaseRow]:
    """Every lease, live or not: master first, then shards in numeric order."""
    rows = await session.execute(
        text(
            "SELECT name, holder, epoch, expires_at > now() AS live, acquired_at FROM leases"
            " ORDER BY name = :master DESC, length(name), name"
        ),
        {"master": MASTER},
    )
    return [LeaseRow(r.name, r.holder, r.epoch, r.live, r.acquired_at) for r in rows]


async def all_nodes(session: AsyncSession) -> list[NodeRow]:
    rows = await session.execute(
        text("SELECT id, hostname, internal_url, gateway_status, heartbeat_at FROM nodes ORDER BY id")
    )
    return [NodeRow(r.id, r.hostname, r.internal_url, r.gateway_status, r.heartbeat_at) for r in rows]
