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

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.db import leases
from wabiz.db.account import Account, read_account
from wabiz.kit.sharding import shard_of
from wabiz.webapp.settings.service import effective_settings

MAX_AGE_S = 1.0


@dataclass(frozen=True)
class ShardMap(Account):
    """The account and who serves which of its shards."""

    owners: Mapping[int, str] = field(default_factory=dict)
    # Internal URLs of the live CoreApps, most recent heartbeat first: any of them can serve
    # contacts, registration and media fetches.
    nodes: tuple[str, ...] = ()

    def owner_of(self, wa_id: str) -> str | None:
        return self.owners.get(shard_of(wa_id, self.shards))


async def read_shard_map(session: AsyncSession) -> ShardMap:
    account = await read_account(session)
    owners = await leases.shard_owners(session)
    window = (await effective_settings(session)).unhealthy_interval
    return ShardMap(
        state=account.state,
        cc=account.cc,
        phone_number=account.phone_number,
        shards=account.shards,
        owners=owners,
        nodes=await leases.live_node_urls(session, window),
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
            async with self._sessions.begin() as session:
                self._map = await read_shard_map(session)
            self._read_at = started
        return self._map
