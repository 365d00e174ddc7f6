"""Which CoreApp serves which recipient: the shard map, read from the database and cached.

A recipient's shard is `stable_hash(wa_id) % account.shards`; its owner is the node holding the
live lease `shard:<n>`. The map is re-read at most once a second (and at once when a call finds
it stale), by one request at a time, so a thousand sends a second cost one read a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.kit.sharding import shard_of
from wabiz.webapp.settings.service import effective_settings

MAX_AGE_S = 1.0


@dataclass(frozen=True)
class ShardMap:
    state: str = "unregistered"
    cc: str | None = None
    phone_number: str | None = None
    shards: int = 1
    owners: Mapping[int, str] = field(default_factory=dict)
    # Internal URLs of the live CoreApps, most recent heartbeat first: any of them can serve
    # contacts, registration and media fetches.
    nodes: tuple[str, ...] = ()

    @property
    def registered(self) -> bool:
        return self.state == "registered"

    @property
    def business_wa_id(self) -> str | None:
        return f"{self.cc}{self.phone_number}" if self.cc and self.phone_number else None

    def owner_of(self, wa_id: str) -> str | None:
        return self.owners.get(shard_of(wa_id, self.shards))


def lease_owners(rows: list[tuple[str, str]]) -> dict[int, str]:
    """`[("shard:3", url)]` → `{3: url}`; other lease names are ignored."""
    owners = {}
    for name, url in rows:
        prefix, _, number = name.partition(":")
        if prefix == "shard" and number.isdigit():
            owners[int(number)] = url
    return owners


async def read_shard_map(session: AsyncSession) -> ShardMap:
    account = (
        await session.execute(text("SELECT state, cc, phone_number, shards FROM account WHERE id = 1"))
    ).one()
    leases = await session.execute(
        text(
            "SELECT l.name, n.internal_url FROM leases l JOIN nodes n ON n.id = l.holder"
            " WHERE l.name LIKE 'shard:%' AND l.expires_at > now()"
        )
    )
    window = (await effective_settings(session)).unhealthy_interval
    nodes = await session.execute(
        text(
            "SELECT internal_url FROM nodes WHERE heartbeat_at > now() - make_interval(secs => :w)"
            " ORDER BY heartbeat_at DESC"
        ),
        {"w": window},
    )
    return ShardMap(
        state=account.state,
        cc=account.cc,
        phone_number=account.phone_number,
        shards=account.shards,
        owners=lease_owners([(row.name, row.internal_url) for row in leases]),
        nodes=tuple(nodes.scalars()),
    )


class ShardMapCache:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_age: float = MAX_AGE_S) -> None:
        self._sessions, self._max_age = sessions, max_age
        self._map = ShardMap()
        self._read_at = float("-inf")  # when the current map's read began
        self._lock = asyncio.Lock()

    async def get(self, fresh: bool = False) -> ShardMap:
        """The cached map; `fresh` insists on one read after this call began."""
        asked_at = time.monotonic()
        if not fresh and asked_at - self._read_at <= self._max_age:
            return self._map
        async with self._lock:
            # Whoever held the lock may have read it for us meanwhile.
            if self._read_at >= asked_at or (not fresh and time.monotonic() - self._read_at <= self._max_age):
                return self._map
            started = time.monotonic()
            async with self._sessions() as session:
                self._map = await read_shard_map(session)
            self._read_at = started
        return self._map
