"""One CoreApp node at run time: its parts, wired together, and its background loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.coreapp import payloads
from wabiz.coreapp.callbacks import DatabaseQueue, Deliverer, MemoryQueue
from wabiz.coreapp.config import CoreAppConfig
from wabiz.coreapp.events import Callbacks, EventHandler
from wabiz.coreapp.leases import Leases
from wabiz.coreapp.media import MediaBridge
from wabiz.coreapp.outbox import Outbox
from wabiz.coreapp.settings_cache import SettingsCache
from wabiz.coreapp.webhook_client import WebhookClient
from wabiz.db import leases, messages, users
from wabiz.db.account import Account, read_account
from wabiz.db.messages import Outgoing
from wabiz.gateway.base import Gateway, UpstreamError
from wabiz.gateway.cloud import CloudApiGateway
from wabiz.gateway.sandbox import SandboxGateway
from wabiz.kit.db import make_engine, make_sessionmaker
from wabiz.kit.errors import NotFound
from wabiz.kit.media_types import SENDABLE_MEDIA
from wabiz.kit.storage import MediaMissing, make_store

log = logging.getLogger(__name__)


def make_gateway(config: CoreAppConfig, session: aiohttp.ClientSession) -> Gateway:
    kind = SandboxGateway if config.upstream == "sandbox" else CloudApiGateway
    return kind(
        config.upstream_url,
        config.upstream_api_version,
        config.upstream_phone_number_id or "",
        config.upstream_token.get_secret_value(),
        session,
    )


async def master_chores(session: AsyncSession, ttl: float) -> None:
    """Cluster housekeeping, done by the master only: forget long-dead nodes and expired tokens."""
    await leases.forget_dead_nodes(session, ttl * 20)
    await users.delete_expired_tokens(session)


class Node:
    def __init__(self, config: CoreAppConfig) -> None:
        self.config = config
        self.engine = make_engine(config.database_dsn(), config.database_pool_size)
        self.sessions = make_sessionmaker(self.engine)
        self.http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=30, connect=5), connector=aiohttp.TCPConnector(limit=256)
        )
        self.gateway = make_gateway(config, self.http)
        self.store = make_store(config)
        self.settings = SettingsCache(self.sessions)
        self.account = Account()
        self.leases = Leases(config.node_id, config.internal_url)
        self.media = MediaBridge(self.sessions, self.gateway, self.store, config.media_transfers)
        self.memory = MemoryQueue(config.max_memory_callbacks)
        secret = config.webhook_secret.get_secret_value() if config.webhook_secret else None
        # Its own connections: the webhook's address is a user's choice, the upstream's is not.
        self.webhooks = WebhookClient(config.webhook_policy, secret)
        self.deliverer = Deliverer(
            DatabaseQueue(self.sessions),
            self.memory,
            lambda: self.settings.current,
            self.settings.refresh,
            self.leases.valid_shards,
            self.webhooks,
        )
        self.callbacks = Callbacks(lambda: self.settings.current, self.memory, self.deliverer.wake.set)
        self.events = EventHandler(
            self.sessions,
            lambda: self.settings.current,
            self.settings.refresh,
            lambda: self.account.shards,
            self.media,
            self.callbacks,
        )
        self.outbox = Outbox(
            self.sessions,
            self._send,
            self._failed,
            self.leases.owns,
            config.send_concurrency,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self.gateway_status = "connecting"

    def metrics(self) -> dict[str, float]:
        return {
            "lease_changes": self.leases.changes,
            "shards_held": len(self.leases.valid_shards()),
            "master": float(self.leases.master),
            "outgoing": self.outbox.depth,
            "memory": len(self.memory.items),
            "sent": self.outbox.sent,
            "delivered": self.deliverer.delivered,
            "failures": self.deliverer.failures,
        }

    # -- sending ---------------------------------------------------------------------------------

    async def _send(self, message: Outgoing) -> str:
        body = message.body
        kind = body["type"]
        upstream_media = None
        typed = body.get(kind)
        if kind in SENDABLE_MEDIA and isinstance(typed, dict) and "id" in typed:
            try:
                upstream_media = await self.media.upstream_id_for(str(typed["id"]))
            except (NotFound, MediaMissing) as exc:  # deleted after the send was accepted: never goes out
                raise UpstreamError(131053, "Media upload error", f"media {typed['id']} is gone") from exc
        return await self.gateway.send(payloads.to_cloud(body, message.id, upstream_media))

    async def _failed(self, message: Outgoing, error: UpstreamError) -> None:
        item = payloads.failed_item(message.id, message.wa_id, error.code, error.details, int(time.time()))
        log.warning("message %s failed upstream: %s", message.id, error)
        await self.settings.refresh()  # read-your-writes, as for the network's events
        async with self.sessions.begin() as session:
            await messages.record_failed(session, message.id, item["errors"])
            await self.callbacks.add(session, [(message.shard, {"statuses": [item]})])

    # -- chores ----------------------------------------------------------------------------------

    async def refresh_account(self) -> None:
        async with self.sessions() as session:
            account = await read_account(session)
        if self.config.upstream == "cloud" and self.config.upstream_phone_number_id:
            account = replace(account, state="registered")
        elif account.registered and account.cc and account.phone_number:
            self.gateway.use_account(account.cc, account.phone_number)
        self.account = account

    async def heartbeat(self) -> None:
        await self.refresh_account()
        if self.account.state != "registered":
            self.gateway_status = "unregistered"
        else:
            self.gateway_status = await self.gateway.status()
        before = set(self.leases.shards)
        started, ttl = time.monotonic(), self.settings.current.unhealthy_interval
        async with self.sessions.begin() as session:
            await self.leases.beat(session, self.account.shards, ttl, self.gateway_status)
            if self.leases.master:
                await master_chores(session, ttl)
        self.leases.confirm(started, ttl)
        if self.leases.shards - before:
            await self.outbox.sweep(self.leases.valid_shards())

    async def start(self) -> None:
        await self.store.ensure_ready()
        await self.settings.refresh()
        await self.heartbeat()
        self._tasks = [
            asyncio.create_task(
                self._every(lambda: self.settings.current.heartbeat_interval, self.heartbeat)
            ),
            asyncio.create_task(
                self._every(lambda: self.config.settings_poll_interval, self.settings.refresh)
            ),
            asyncio.create_task(
                self._every(lambda: 1.0, lambda: self.outbox.sweep(self.leases.valid_shards()))
            ),
            asyncio.create_task(self.deliverer.run(self.config.callback_poll_interval)),
        ]
        log.info(
            "coreapp %s serving on %s (upstream %s at %s); shards %s, master %s",
            self.config.node_id,
            self.config.internal_url,
            self.config.upstream,
            self.config.upstream_url,
            sorted(self.leases.shards),
            self.leases.master,
        )

    async def _every(self, interval: Any, chore: Any) -> None:
        while True:
            await asyncio.sleep(float(interval()))
            try:
                await chore()
            except Exception:  # a failed round (database restarting…) is retried next round
                log.exception("background chore %s failed", getattr(chore, "__name__", chore))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.deliverer.stop()
        await self.outbox.stop()
        with contextlib.suppress(Exception):
            async with self.sessions.begin() as session:
                await self.leases.leave(session)
        await self.http.close()
        await self.webhooks.close()
        await self.store.close()
        await self.engine.dispose()
