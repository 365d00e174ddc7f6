"""Where a request goes: the shard map (account, leases, nodes), cached for a second.

Every WebApp replica reads the same map from PostgreSQL; a second of staleness is harmless
because a CoreApp refuses shards it does not hold (1018) and the WebApp then re-reads the map.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

CACHE_SECONDS = 1.0


@dataclass(frozen=True)
class ShardMap:
    state: str = "unregistered"
    cc: str | None = None
    phone_number: str | None = None
    shards: int = 1
    owners: dict[int, str] = field(default_factory=dict)
    nodes: tuple[str, ...] = ()

    @property
    def registered(self) -> bool:
        return self.state == "registered"

    @property
    def business_wa_id(self) -> str | None:
        return f"{self.cc}{self.phone_number}" if self.cc and self.phone_number else None


class Router:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._map = ShardMap()
        self._read_at = 0.0

    async def current(self, fresh: bool = False) -> ShardMap:
        if fresh or time.monotonic() - self._read_at > CACHE_SECONDS:
            self._map = await self._read()
            self._read_at = time.monotonic()
        return self._map

    async def _read(self) -> ShardMap:
        async with self._sessions() as session:
            account = (
                await session.execute(
                    text("SELECT state, cc, phone_number, shards FROM account WHERE id = 1")
                )
            ).one()
            leases = await session.execute(
                text(
                    "SELECT l.name, n.internal_url FROM leases l JOIN nodes n ON n.id = l.holder"
                    " WHERE l.name LIKE 'shard:%' AND l.expires_at > now()"
                )
            )
            owners = {int(row.name.split(":")[1]): row.internal_url for row in leases}
            nodes = await session.execute(
                text(
                    "SELECT internal_url FROM nodes"
                    " WHERE heartbeat_at > now() - interval '60 seconds' ORDER BY id"
                )
            )
            return ShardMap(
                account.state,
                account.cc,
                account.phone_number,
                account.shards,
                owners,
                tuple(nodes.scalars()),
            )
