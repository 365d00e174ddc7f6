"""Node registration and leases in PostgreSQL: who is alive, who owns which shard, who is master.

A lease is a row (`master`, `shard:<n>`) whose holder keeps pushing `expires_at` forward every
heartbeat. A lease not renewed for `unhealthy_interval` may be taken by another node; the atomic
`INSERT … ON CONFLICT … WHERE expired` decides races in the database, never in Python. Each node
takes at most its fair share of shards so load spreads over the live nodes.
"""

from __future__ import annotations

import logging
import math
import socket
import time
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

_ACQUIRE = text(
    """
    INSERT INTO leases (name, holder, epoch, expires_at, acquired_at)
    VALUES (:name, :me, 1, now() + make_interval(secs => :ttl), now())
    ON CONFLICT (name) DO UPDATE
       SET holder = :me,
           epoch = leases.epoch + CASE WHEN leases.holder = :me THEN 0 ELSE 1 END,
           expires_at = EXCLUDED.expires_at,
           acquired_at = CASE WHEN leases.holder = :me THEN leases.acquired_at ELSE now() END
     WHERE leases.holder = :me OR leases.expires_at < now()
    RETURNING name
    """
)
_RENEW = text(
    """
    UPDATE leases SET expires_at = now() + make_interval(secs => :ttl)
     WHERE holder = :me RETURNING name
    """
)
_UPSERT_NODE = text(
    """
    INSERT INTO nodes (id, hostname, internal_url, gateway_status, heartbeat_at, started_at)
    VALUES (:id, :hostname, :url, :gateway, now(), now())
    ON CONFLICT (id) DO UPDATE SET internal_url = :url, gateway_status = :gateway, heartbeat_at = now()
    """
)
_LIVE_NODES = text("SELECT count(*) FROM nodes WHERE heartbeat_at > now() - make_interval(secs => :ttl)")


def shard_name(shard: int) -> str:
    return f"shard:{shard}"


def fair_share(shards: int, live_nodes: int) -> int:
    return math.ceil(shards / max(1, live_nodes))


@dataclass
class Leases:
    node_id: str
    internal_url: str
    hostname: str = field(default_factory=socket.gethostname)
    shards: set[int] = field(default_factory=set)
    master: bool = False
    changes: int = 0
    valid_until: float = 0.0

    def owns(self, shard: int) -> bool:
        """Held and still inside the lease: a node cut off from the database stops serving
        before another node may take over, so two nodes never send for one shard."""
        return shard in self.shards and time.monotonic() < self.valid_until

    def valid_shards(self) -> set[int]:
        return {shard for shard in self.shards if self.owns(shard)}

    def confirm(self, renewed_at: float, ttl: float) -> None:
        """Called once the heartbeat's transaction committed; a margin covers clock drift."""
        self.valid_until = renewed_at + ttl * 0.8

    async def beat(self, session: AsyncSession, shard_count: int, ttl: float, gateway_status: str) -> None:
        """One heartbeat: announce the node, renew what it holds, give back what is more than its
        fair share (so standbys and new nodes get work), take what is free and fair."""
        await session.execute(
            _UPSERT_NODE,
            {
                "id": self.node_id,
                "hostname": self.hostname,
                "url": self.internal_url,
                "gateway": gateway_status,
            },
        )
        renewed = {
            str(n) for n in (await session.execute(_RENEW, {"me": self.node_id, "ttl": ttl})).scalars()
        }
        held = {int(n.split(":")[1]) for n in renewed if n.startswith("shard:")}
        live = int((await session.execute(_LIVE_NODES, {"ttl": ttl})).scalar_one())
        share = fair_share(shard_count, live)
        surplus = {n for n in held if n >= shard_count} | set(sorted(held)[share:])
        if surplus:
            await self._release(session, [shard_name(n) for n in surplus])
            held -= surplus
        for shard in range(shard_count):
            if len(held) >= share:
                break
            if shard not in held and await self._acquire(session, shard_name(shard), ttl):
                held.add(shard)
        self._report(held, "master" in renewed or await self._acquire(session, "master", ttl))

    async def _acquire(self, session: AsyncSession, name: str, ttl: float) -> bool:
        result = await session.execute(_ACQUIRE, {"name": name, "me": self.node_id, "ttl": ttl})
        return result.first() is not None

    async def _release(self, session: AsyncSession, names: list[str]) -> None:
        await session.execute(
            text("DELETE FROM leases WHERE holder = :me AND name = ANY(:names)"),
            {"me": self.node_id, "names": names},
        )

    def _report(self, held: set[int], master: bool) -> None:
        gained, lost = held - self.shards, self.shards - held
        self.changes += len(gained) + len(lost)
        if gained:
            log.info("node %s took shards %s", self.node_id, sorted(gained))
        if lost:
            log.warning("node %s lost shards %s", self.node_id, sorted(lost))
        if master != self.master:
            log.info("node %s is %s master", self.node_id, "now" if master else "no longer")
        self.shards, self.master = held, master

    async def leave(self, session: AsyncSession) -> None:
        """Clean shutdown: hand everything back at once instead of waiting for expiry."""
        await session.execute(text("DELETE FROM leases WHERE holder = :me"), {"me": self.node_id})
        await session.execute(text("DELETE FROM nodes WHERE id = :me"), {"me": self.node_id})
        self.shards, self.master = set(), False
