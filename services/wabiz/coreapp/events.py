"""Upstream events (Cloud API webhooks) → message rows and queued On-Premises callbacks.

Any CoreApp may receive an event; it records it and queues the callback under the shard of the
user it concerns, so the shard's owner delivers it. A status only moves a message forward
(sent → delivered → read); repeats and late arrivals change nothing and send no second callback.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp import payloads
from wabiz.coreapp.callbacks import Callbacks
from wabiz.coreapp.media import MediaBridge
from wabiz.db import media, messages
from wabiz.db.messages import StatusChange, Tracked
from wabiz.kit.appsettings import ApplicationSettings
from wabiz.kit.sharding import shard_of

log = logging.getLogger(__name__)


class EventHandler:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Callable[[], ApplicationSettings],
        sync_settings: Callable[[], Awaitable[object]],
        shard_count: Callable[[], int],
        media: MediaBridge,
        callbacks: Callbacks,
    ) -> None:
        self._sessions, self._settings, self._shard_count = sessions, settings, shard_count
        self._sync_settings, self._media, self._callbacks = sync_settings, media, callbacks

    async def handle(self, webhook: dict[str, Any]) -> None:
        # Read-your-writes: an event that arrives after a settings PATCH returned is handled (and
        # its callbacks queued) under those settings, not the node's last periodic read.
        await self._sync_settings()
        for value in payloads.changes(webhook):
            if value.get("statuses"):
                await self.statuses(value["statuses"])
            if value.get("messages"):
                await self.inbound(value.get("contacts") or [], value["messages"])
            if value.get("errors"):
                await self.errors(value["errors"])

    async def statuses(self, statuses: list[dict[str, Any]]) -> None:
        settings = self._settings()
        async with self._sessions.begin() as session:
            known = await self._lookup(session, statuses)
            updates: dict[str, StatusChange] = {}
            queued: dict[int, list[dict[str, Any]]] = {}
            for status in statuses:
                row = known.get(str(status.get("biz_opaque_callback_data"))) or known.get(
                    str(status.get("id"))
                )
                if row is None:
                    log.warning("status %s for an unknown message %s", status.get("status"), status.get("id"))
                    continue
                current = updates[row.id].status if row.id in updates else row.status
                new = str(status.get("status"))
                if payloads.STATUS_RANK.get(new, -1) <= payloads.STATUS_RANK.get(current, 0):
                    continue
                item = payloads.status_item(row.id, row.wa_id, status)
                updates[row.id] = StatusChange(new, item.get("errors"))
                if settings.wants_status(new):
                    queued.setdefault(row.shard, []).append(item)
            if updates:
                await messages.apply_statuses(session, updates, settings.pass_through)
            await self._callbacks.add(
                session, [(shard, {"statuses": items}) for shard, items in queued.items()]
            )

    async def _lookup(self, session: AsyncSession, statuses: list[dict[str, Any]]) -> dict[str, Tracked]:
        """The messages the statuses concern, by our id and by the network's."""
        ours = [str(s["biz_opaque_callback_data"]) for s in statuses if s.get("biz_opaque_callback_data")]
        upstream = [str(s.get("id")) for s in statuses]
        known: dict[str, Tracked] = {}
        for row in await messages.lock_tracked(session, ours, upstream):
            known[row.id] = row
            if row.upstream_id:
                known[row.upstream_id] = row
        return known

    async def inbound(self, contacts: list[dict[str, Any]], received: list[dict[str, Any]]) -> None:
        settings, shards = self._settings(), self._shard_count()
        fetch_now: list[str] = []
        async with self._sessions.begin() as session:
            items: list[tuple[int, dict[str, Any]]] = []
            for message in received:
                shard = shard_of(str(message.get("from")), shards)
                if not await messages.store_inbound(session, message, shard):
                    continue  # the network repeated an event we already have
                media_id = await self._register_media(session, message)
                if media_id and message.get("type") in settings.media.auto_download:
                    fetch_now.append(media_id)
                items.append((shard, payloads.inbound_payload(contacts, message, media_id)))
            await self._callbacks.add(session, items)
        # After the commit: the callback is already safe, and a slow download holds back no one
        # but this webhook answer.
        for media_id in fetch_now:
            try:
                await self._media.fetch(media_id)
            except Exception as exc:  # the media stays fetchable on demand (POST …/fetch)
                log.warning("auto-download of media %s failed: %s", media_id, exc)

    async def _register_media(self, session: AsyncSession, message: dict[str, Any]) -> str | None:
        found = payloads.inbound_media(message)
        if found is None:
            return None
        upstream_id, mime_type, sha256 = found
        media_id = str(uuid.uuid4())
        await media.add_inbound(session, media_id, mime_type, sha256, upstream_id)
        return media_id

    async def errors(self, errors: list[dict[str, Any]]) -> None:
        # Out-of-band errors concern no recipient; shard 0 exists at every shard count.
        payload = payloads.errors_payload([e for e in errors if isinstance(e, dict)])
        async with self._sessions.begin() as session:
            await self._callbacks.add(session, [(0, payload)])
