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

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp import payloads
from wabiz.coreapp.callbacks import MemoryQueue
from wabiz.coreapp.media import MediaBridge
from wabiz.kit.appsettings import ApplicationSettings
from wabiz.kit.sharding import shard_of

log = logging.getLogger(__name__)

_INSERT_CALLBACKS = text(
    "INSERT INTO callbacks (shard, payload)"
    " SELECT shard, CAST(payload AS jsonb) FROM unnest(CAST(:shards AS int[]), CAST(:payloads AS text[]))"
    " AS c(shard, payload)"
)
_UPDATE_STATUS = text(
    "UPDATE messages SET status = u.status, updated_at = now(),"
    " errors = COALESCE(CAST(u.errors AS jsonb), messages.errors),"
    " body = CASE WHEN :purge AND u.status IN ('delivered', 'read') THEN NULL ELSE messages.body END"
    " FROM unnest(CAST(:ids AS text[]), CAST(:statuses AS text[]), CAST(:errors AS text[]))"
    " AS u(id, status, errors)"
    " WHERE messages.id = u.id"
)


class Callbacks:
    """Where callbacks go: the durable table (same transaction as the event) or memory."""

    def __init__(
        self, settings: Callable[[], ApplicationSettings], memory: MemoryQueue, wake: Callable[[], None]
    ):
        self._settings, self._memory, self._wake = settings, memory, wake

    async def add(self, session: AsyncSession, items: list[tuple[int, dict[str, Any]]]) -> None:
        if not items:
            return
        if self._settings().callback_persist:
            await session.execute(
                _INSERT_CALLBACKS,
                {"shards": [i[0] for i in items], "payloads": [orjson.dumps(i[1]).decode() for i in items]},
            )
        else:
            self._memory.add(items)
        self._wake()


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
            updates: dict[str, tuple[str, str | None]] = {}
            callbacks: dict[int, list[dict[str, Any]]] = {}
            for status in statuses:
                row = known.get(str(status.get("biz_opaque_callback_data"))) or known.get(
                    str(status.get("id"))
                )
                if row is None:
                    log.warning("status %s for an unknown message %s", status.get("status"), status.get("id"))
                    continue
                current = updates.get(row["id"], (row["status"], None))[0]
                new = str(status.get("status"))
                if payloads.STATUS_RANK.get(new, -1) <= payloads.STATUS_RANK.get(current, 0):
                    continue
                item = payloads.status_item(row["id"], row["wa_id"], status)
                updates[row["id"]] = (
                    new,
                    orjson.dumps(item["errors"]).decode() if "errors" in item else None,
                )
                if settings.wants_status(new):
                    callbacks.setdefault(row["shard"], []).append(item)
            if updates:
                await session.execute(
                    _UPDATE_STATUS,
                    {
                        "ids": list(updates),
                        "statuses": [u[0] for u in updates.values()],
                        "errors": [u[1] for u in updates.values()],
                        "purge": settings.pass_through,
                    },
                )
            await self._callbacks.add(
                session, [(shard, {"statuses": items}) for shard, items in callbacks.items()]
            )

    async def _lookup(
        self, session: AsyncSession, statuses: list[dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        ours = [str(s["biz_opaque_callback_data"]) for s in statuses if s.get("biz_opaque_callback_data")]
        upstream = [str(s.get("id")) for s in statuses]
        rows = await session.execute(
            text(
                "SELECT id, upstream_id, wa_id, shard, status FROM messages"
                " WHERE id = ANY(:ours) OR upstream_id = ANY(:upstream) FOR UPDATE"
            ),
            {"ours": ours, "upstream": upstream},
        )
        known: dict[str, dict[str, Any]] = {}
        for row in rows.mappings():
            known[row["id"]] = dict(row)
            if row["upstream_id"]:
                known[row["upstream_id"]] = dict(row)
        return known

    async def inbound(self, contacts: list[dict[str, Any]], messages: list[dict[str, Any]]) -> None:
        settings, shards = self._settings(), self._shard_count()
        fetch_now: list[str] = []
        async with self._sessions.begin() as session:
            items: list[tuple[int, dict[str, Any]]] = []
            for message in messages:
                shard = shard_of(str(message.get("from")), shards)
                if not await self._store_inbound(session, message, shard):
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

    async def _store_inbound(self, session: AsyncSession, message: dict[str, Any], shard: int) -> bool:
        """Insert the inbound row (id = the network's message id); False when it already exists."""
        inserted = await session.execute(
            text(
                "INSERT INTO messages (id, direction, wa_id, shard, type, body, status)"
                " VALUES (:id, 'in', :wa_id, :shard, :type, CAST(:body AS jsonb), 'received')"
                " ON CONFLICT (id) DO NOTHING RETURNING id"
            ),
            {
                "id": str(message.get("id")),
                "wa_id": str(message.get("from")),
                "shard": shard,
                "type": str(message.get("type")),
                "body": orjson.dumps(message).decode(),
            },
        )
        return inserted.first() is not None

    async def _register_media(self, session: AsyncSession, message: dict[str, Any]) -> str | None:
        media = payloads.inbound_media(message)
        if media is None:
            return None
        upstream_id, mime_type, sha256 = media
        media_id = str(uuid.uuid4())
        await session.execute(
            text(
                "INSERT INTO media (id, mime_type, sha256, source, upstream_id, stored)"
                " VALUES (:id, :mime, :sha, 'inbound', :up, false)"
            ),
            {"id": media_id, "mime": mime_type, "sha": sha256, "up": upstream_id},
        )
        return media_id

    async def errors(self, errors: list[dict[str, Any]]) -> None:
        # Out-of-band errors concern no recipient; shard 0 exists at every shard count.
        payload = payloads.errors_payload([e for e in errors if isinstance(e, dict)])
        async with self._sessions.begin() as session:
            await self._callbacks.add(session, [(0, payload)])
