"""What this node sends to the network: the messages it accepts, and read receipts.

A message is accepted only by the owner of its recipient's shard, into the outbox (`outbox.py`),
which sends it in order per recipient; media is uploaded upstream on the way (`media.py`, and
`link_media.py` for links fetched through a media provider). A
message the network refuses for good ends `failed`, with its callback queued in the same
transaction.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp import payloads
from wabiz.coreapp.callbacks import Callbacks
from wabiz.coreapp.config import CoreAppConfig
from wabiz.coreapp.leases import Leases
from wabiz.coreapp.link_media import LinkMedia
from wabiz.coreapp.media import MediaBridge
from wabiz.coreapp.outbox import Outbox
from wabiz.coreapp.registration import Registration
from wabiz.coreapp.settings_cache import SettingsCache
from wabiz.db import messages
from wabiz.db.messages import Outgoing, new_message_id
from wabiz.gateway.base import Gateway, UpstreamError
from wabiz.kit.errors import NotFound, NotPrimaryCoreapp, Overloaded
from wabiz.kit.media_types import SENDABLE_MEDIA
from wabiz.kit.sharding import shard_of
from wabiz.kit.storage import MediaMissing

log = logging.getLogger(__name__)


class Sending:
    def __init__(
        self,
        config: CoreAppConfig,
        sessions: async_sessionmaker[AsyncSession],
        statements: async_sessionmaker[AsyncSession],
        gateway: Gateway,
        media: MediaBridge,
        registration: Registration,
        leases: Leases,
        settings: SettingsCache,
        callbacks: Callbacks,
        link_media: LinkMedia,
    ) -> None:
        self._config, self._sessions, self._gateway, self._media = config, sessions, gateway, media
        self._link_media = link_media
        self._registration, self._leases, self._settings = registration, leases, settings
        self._callbacks = callbacks
        self.outbox = Outbox(
            statements,
            self._send,
            self._failed,
            leases.owns,
            config.send_concurrency,
            config.max_queued_messages,
        )

    async def accept(self, message: dict[str, Any]) -> str:
        """Queue a message the WebApp validated; its id. Refused when this node does not hold the
        recipient's shard (the WebApp asks the owner) or too many messages wait already."""
        await self._registration.require_registered()
        to = str(message["to"])
        shard = shard_of(to, self._registration.account.shards)
        if not self._leases.owns(shard):
            raise NotPrimaryCoreapp(f"shard {shard} is not held by {self._config.node_id}")
        if self.outbox.depth >= self._config.max_queued_messages:
            raise Overloaded(f"more than {self._config.max_queued_messages} messages wait to be sent")
        outgoing = Outgoing(new_message_id(), to, shard, message)
        await self.outbox.accept(outgoing)
        return outgoing.id

    async def mark_read(self, message_id: str) -> None:
        """Tell the network the user's message was read, then record it."""
        async with self._sessions.begin() as session:
            message = await messages.inbound(session, message_id)
        if message is None:
            raise NotFound(f"no inbound message {message_id}")
        await self._gateway.mark_read(message.upstream_id or message_id)
        async with self._sessions.begin() as session:
            await messages.mark_read(session, message_id)

    async def _send(self, message: Outgoing) -> str:
        body = message.body
        kind = body["type"]
        typed = body.get(kind)
        upstream_media = None
        if kind in SENDABLE_MEDIA and isinstance(typed, dict):
            upstream_media = await self._upstream_media(kind, typed)
        return await self._gateway.send(payloads.to_cloud(body, message.id, upstream_media))

    async def _upstream_media(self, kind: str, typed: dict[str, Any]) -> str | None:
        """The network's id of the message's media: ours uploaded, or a provider's link fetched;
        None for a plain link, which the network fetches itself."""
        if "id" in typed:
            try:
                return await self._media.upstream_id_for(str(typed["id"]))
            except (NotFound, MediaMissing) as exc:  # deleted after the send was accepted: never goes out
                raise UpstreamError(131053, "Media upload error", f"media {typed['id']} is gone") from exc
        provider = typed.get("provider")
        if isinstance(provider, dict) and "link" in typed:
            return await self._link_media.upstream_id(str(typed["link"]), str(provider.get("name")), kind)
        return None

    async def _failed(self, message: Outgoing, error: UpstreamError) -> None:
        item = payloads.failed_item(message.id, message.wa_id, error.code, error.details, int(time.time()))
        log.warning("message %s failed upstream: %s", message.id, error)
        await self._settings.refresh()  # read-your-writes, as for the network's events
        async with self._sessions.begin() as session:
            await messages.record_failed(session, message.id, item["errors"])
            await self._callbacks.add(session, [(message.shard, {"statuses": [item]})])
