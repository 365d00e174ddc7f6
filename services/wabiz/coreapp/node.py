"""One CoreApp node at run time: its parts wired together, and the loops that drive them.

The parts, each in its own module: `Registration` (the account), `Heartbeat` (leases and the
network's status), `Sending` (messages and read receipts out, through the `Outbox`), `EventHandler`
(the network's events in), `Callbacks` and the `Deliverer` (the callback queue to the business's
webhook), `MediaBridge` (media between the network and the store), `Profile` (the business profile,
its photo and the two-step PIN, kept by the network). The node builds them, starts
their loops and stops them; it decides nothing itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import orjson

from wabiz.coreapp.callbacks import Callbacks, DatabaseQueue, Deliverer, MemoryQueue
from wabiz.coreapp.config import CoreAppConfig
from wabiz.coreapp.events import EventHandler
from wabiz.coreapp.heartbeat import Heartbeat
from wabiz.coreapp.leases import Leases
from wabiz.coreapp.link_media import LinkMedia
from wabiz.coreapp.media import MediaBridge
from wabiz.coreapp.presence import Presence
from wabiz.coreapp.profile import Profile
from wabiz.coreapp.registration import Registration
from wabiz.coreapp.sending import Sending
from wabiz.coreapp.settings_cache import SYNCED, SettingsCache
from wabiz.coreapp.webhook_client import WebhookClient
from wabiz.gateway.base import Gateway
from wabiz.gateway.cloud import CloudApiGateway
from wabiz.gateway.sandbox import SandboxGateway
from wabiz.kit.db import make_engine, make_sessionmaker, make_statement_sessionmaker
from wabiz.kit.storage import make_store
from wabiz.kit.waiting import set_within

log = logging.getLogger(__name__)
PRESENCE_WAIT_S = 5.0  # at start, for the presence lock before the first heartbeat
# The sweep only finds what slipped past the in-memory queue (a record that failed while the
# database was away); gained shards are swept at once. Every second it was a fifth of an idle node.
SWEEP_INTERVAL_S = 5.0
# At shutdown a chore or delivery round already running finishes rather than being cancelled in
# the middle of a statement (a cancel landing while a pooled connection was being set up left it
# to the garbage collector); this long at most.
STOP_WAIT_S = 5.0


async def every(
    interval: Callable[[], float], chore: Callable[[], Awaitable[object]], stop: asyncio.Event
) -> None:
    """Run `chore` every `interval()` seconds until `stop` is set; a round already running when it
    is set finishes first. A failed round (database restarting…) is retried next round."""
    while not await set_within(stop, float(interval())):
        try:
            await chore()
        except Exception:
            log.exception("background chore %s failed", getattr(chore, "__name__", chore))


def make_gateway(config: CoreAppConfig, session: aiohttp.ClientSession) -> Gateway:
    kind = SandboxGateway if config.upstream == "sandbox" else CloudApiGateway
    return kind(
        config.upstream_url,
        config.upstream_api_version,
        config.upstream_phone_number_id or "",
        config.upstream_token.get_secret_value(),
        session,
    )


class Node:
    def __init__(self, config: CoreAppConfig) -> None:
        self.config = config
        self.engine = make_engine(config.database_dsn(), config.database_pool_size)
        self.sessions = make_sessionmaker(self.engine)
        # The hot path's single statements (queue, acceptances, callback reads and deletes, the
        # settings read) skip BEGIN and COMMIT: a third of the database round trips of a message.
        self.statements = make_statement_sessionmaker(self.engine)
        self.http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=30, connect=5),
            connector=aiohttp.TCPConnector(limit=256),
            # One upstream send per message: the standard library's encoder was 7 % of a CoreApp.
            json_serialize=lambda value: orjson.dumps(value).decode(),
        )
        self.gateway = make_gateway(config, self.http)
        self.store = make_store(config)
        self.settings = SettingsCache(self.statements)
        self.leases = Leases(config.node_id, config.internal_url)
        self.media = MediaBridge(self.sessions, self.gateway, self.store, config.media_transfers)
        # A provider's link is as much a user's choice as the webhook URL: the same address policy.
        self.link_media = LinkMedia(self.sessions, self.media, config.webhook_policy)
        self.memory = MemoryQueue(config.max_memory_callbacks)
        secret = config.webhook_secret.get_secret_value() if config.webhook_secret else None
        # Its own connections: the webhook's address is a user's choice, the upstream's is not.
        self.webhooks = WebhookClient(config.webhook_policy, secret, lambda: self.settings.webhooks_ca)
        self.deliverer = Deliverer(
            DatabaseQueue(self.statements, SYNCED),
            self.memory,
            lambda: self.settings.current,
            self.settings.catch_up,
            self.leases.valid_shards,
            self.webhooks,
        )
        self.callbacks = Callbacks(lambda: self.settings.current, self.memory, self.deliverer.wake.set)
        # A registration step beats at once, so this node's leases and status follow it.
        self.registration = Registration(config, self.sessions, self.gateway, lambda: self.heartbeat.beat())
        self.profile = Profile(self.gateway, self.registration.require_current)
        self.events = EventHandler(
            self.sessions,
            lambda: self.settings.current,
            self.settings.refresh,
            lambda: self.registration.account.shards,
            self.media,
            self.callbacks,
        )
        self.sending = Sending(
            config,
            self.sessions,
            self.statements,
            self.gateway,
            self.media,
            self.registration,
            self.leases,
            self.settings,
            self.callbacks,
            self.link_media,
        )
        self.outbox = self.sending.outbox
        self.presence = Presence(config.database_dsn(), self._callbacks_queued, self.leases.drop_all)
        self.heartbeat = Heartbeat(
            self.sessions,
            self.registration,
            self.gateway,
            self.leases,
            self.settings,
            self._resume,
            lambda: self.presence.key,
        )
        self._presence_task: asyncio.Task[None] | None = None
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

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

    def _callbacks_queued(self, shard: int) -> None:
        """Another node (or this one) queued callbacks for `shard`: deliver now if it is ours."""
        if shard in self.leases.shards:
            self.deliverer.wake.set()

    async def _resume(self, shards: set[int]) -> None:
        """Shards just gained: their queued messages and due callbacks, at once."""
        await self.outbox.sweep(shards)
        self.deliverer.wake.set()

    async def start(self) -> None:
        await self.store.ensure_ready()
        await self.settings.refresh()
        self._presence_task = asyncio.create_task(self.presence.run(), name="presence")
        with contextlib.suppress(TimeoutError):  # without it the node still starts; expiry only
            async with asyncio.timeout(PRESENCE_WAIT_S):
                await self.presence.held.wait()
        await self.heartbeat.beat()
        stop = self._stopping
        self._loops = [
            asyncio.create_task(
                every(lambda: self.settings.current.heartbeat_interval, self.heartbeat.beat, stop)
            ),
            asyncio.create_task(
                every(lambda: self.config.settings_poll_interval, self.settings.refresh, stop)
            ),
            asyncio.create_task(
                every(lambda: SWEEP_INTERVAL_S, lambda: self.outbox.sweep(self.leases.valid_shards()), stop)
            ),
            asyncio.create_task(self.deliverer.run(self.config.callback_poll_interval, stop)),
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

    async def stop(self) -> None:
        """The loops end after the round in progress (`STOP_WAIT_S` at most), then the parts close."""
        self._stopping.set()
        self.deliverer.wake.set()  # a delivery loop waiting for work sees the stop at once
        if self._loops:
            await asyncio.wait(self._loops, timeout=STOP_WAIT_S)
        # The presence connection is its own, outside the pool: nothing there to finish.
        tasks = [*self._loops, *([self._presence_task] if self._presence_task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.deliverer.stop()
        await self.outbox.stop()
        with contextlib.suppress(Exception):
            async with self.sessions.begin() as session:
                await self.leases.leave(session)
        await self.http.close()
        await self.webhooks.close()
        await self.link_media.close()
        await self.store.close()
        await self.engine.dispose()
