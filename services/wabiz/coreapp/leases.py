"""This node's leases: who is alive, who owns which shard, who is master (rows: `db.leases`).

Every heartbeat the node announces itself and renews what it holds; a lease not renewed for
`unhealthy_interval` may be taken by another node. Each node takes at most its fair share of
shards so load spreads over the live nodes.
"""

from __future__ import annotations

import logging
import math
import socket
import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import leases

log = logging.getLogger(__name__)


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

    def drop_all(self) -> None:
        """Stop serving every shard now (the presence lock is gone: others may take them at once);
        the next heartbeat renews what is still ours."""
        if self.shards:
            log.warning(
                "node %s stops serving shards %s until its next heartbeat", self.node_id, sorted(self.shards)
            )
        self.valid_until = 0.0

    def valid_shards(self) -> set[int]:
        return {shard for shard in self.shards if self.owns(shard)}

    def confirm(self, renewed_at: float, ttl: float) -> None:
        """Called once the heartbeat's transaction committed; a margin covers clock drift."""
        self.valid_until = renewed_at + ttl * 0.8

    async def beat(
        self,
        session: AsyncSession,
        shard_count: int,
        ttl: float,
        gateway_status: str,
        presence_key: int | None = None,
    ) -> None:
        """One heartbeat: announce the node (with the presence lock it holds), renew what it holds,
        give back what is more than its fair share (so standbys and new nodes get work), take what
        is free, expired or left by a node that is gone, and fair."""
        await leases.announce(
            session, self.node_id, self.hostname, self.internal_url, gateway_status, presence_key
        )
        renewed = await leases.renew(session, self.node_id, ttl)
        held = set(renewed.shards)
        share = fair_share(shard_count, await leases.live_node_count(session, ttl))
        surplus = {n for n in held if n >= shard_count} | set(sorted(held)[share:])
        if surplus:
            await leases.release_shards(session, self.node_id, surplus)
            held -= surplus
        for shard in range(shard_count):
            if len(held) >= share:
                break
            if shard not in held and await leases.acquire(
                session, leases.shard_lease(shard), self.node_id, ttl
            ):
                held.add(shard)
        master = renewed.master or await leases.acquire(session, leases.MASTER, self.node_id, ttl)
        self._report(held, master)

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
        await leases.leave(session, self.node_id)
        self.shards, self.master = set(), False
