"""Every node's heartbeat: read the account, check the network, renew the leases.

One beat every `heartbeat_interval`: the account row again (another node may have registered),
the gateway's status (which the WebApp's health reports), then the leases in one transaction; the
master also does the cluster's housekeeping. Shards gained in a beat have their queued messages
resumed at once instead of at the next sweep.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp.leases import Leases
from wabiz.coreapp.registration import Registration
from wabiz.coreapp.settings_cache import SettingsCache
from wabiz.db import leases, users
from wabiz.gateway.base import Gateway


async def master_chores(session: AsyncSession, ttl: float) -> None:
    """Cluster housekeeping, done by the master only: forget long-dead nodes and expired tokens."""
    await leases.forget_dead_nodes(session, ttl * 20)
    await users.delete_expired_tokens(session)


class Heartbeat:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registration: Registration,
        gateway: Gateway,
        leases: Leases,
        settings: SettingsCache,
        resume: Callable[[set[int]], Awaitable[object]],
        presence_key: Callable[[], int | None],
    ) -> None:
        self._sessions, self._registration, self._gateway = sessions, registration, gateway
        self._leases, self._settings, self._resume = leases, settings, resume
        self._presence_key = presence_key
        self.gateway_status = "connecting"

    async def beat(self) -> None:
        account = await self._registration.refresh()
        self.gateway_status = await self._gateway.status() if account.registered else "unregistered"
        before = set(self._leases.shards)
        started, ttl = time.monotonic(), self._settings.current.unhealthy_interval
        async with self._sessions.begin() as session:
            await self._leases.beat(session, account.shards, ttl, self.gateway_status, self._presence_key())
            if self._leases.master:
                await master_chores(session, ttl)
        self._leases.confirm(started, ttl)
        if self._leases.shards - before:
            await self._resume(self._leases.valid_shards())
