"""Media crossing the gateway: inbound media copied into our store, outbound media uploaded once.

Media never sits in memory whole: outbound bytes stream from the store into the upload, inbound
bytes stream from the network into a spooled temporary file (1 MiB in memory, then disk) and from
there into the store, capped at the limit of their type. Callers asking for the same transfer
share it (six sends of one document upload it once), and at most `media_transfers` transfers run
at once, which bounds both the memory and the temporary disk they use.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.db import media
from wabiz.db.media import MediaRow
from wabiz.gateway.base import Gateway
from wabiz.kit.errors import NotFound
from wabiz.kit.media_types import download_limit
from wabiz.kit.storage import MediaStore
from wabiz.kit.streams import spool

log = logging.getLogger(__name__)
SPOOL_IN_MEMORY = 1024 * 1024
UPLOAD_CHUNK = 256 * 1024


class MediaBridge:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gateway: Gateway,
        store: MediaStore,
        transfers: int,
    ) -> None:
        self._sessions, self._gateway, self._store = sessions, gateway, store
        self._slots = asyncio.Semaphore(transfers)
        self._running: dict[str, asyncio.Task[Any]] = {}

    async def _row(self, media_id: str) -> MediaRow:
        async with self._sessions.begin() as session:
            row = await media.find(session, media_id)
        if row is None:
            raise NotFound(f"media {media_id} does not exist")
        return row

    async def _once(self, key: str, transfer: Callable[[], Awaitable[Any]]) -> Any:
        """Run `transfer` unless the same one runs already; every caller gets its outcome. A caller
        that gives up (cancelled) does not stop it for the others."""
        task = self._running.get(key)
        if task is None:
            task = self._running[key] = asyncio.ensure_future(transfer())
            task.add_done_callback(self._finished)
            task.set_name(key)
        return await asyncio.shield(task)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._running.pop(task.get_name(), None)
        if not task.cancelled():
            task.exception()  # retrieved here too: its callers may all have given up

    async def fetch(self, media_id: str) -> None:
        """Copy an inbound media object from the network into our store (idempotent)."""
        row = await self._row(media_id)
        upstream_id = row.upstream_id
        if row.stored or upstream_id is None:
            return
        await self._once(f"fetch:{media_id}", lambda: self._fetch(media_id, upstream_id, row.mime_type))

    async def _fetch(self, media_id: str, upstream_id: str, mime_type: str) -> None:
        async with self._slots:
            info = await self._gateway.media_info(upstream_id)
            with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spooled:
                copied = await spool(self._gateway.download(info.url, download_limit(mime_type)), spooled)
                await self._store.put(media_id, spooled, mime_type)
        async with self._sessions.begin() as session:
            await media.mark_stored(session, media_id, copied.size, copied.sha256)
        log.info("stored inbound media %s (%d bytes)", media_id, copied.size)

    async def upstream_id_for(self, media_id: str) -> str:
        """The network's id for one of our media objects, uploading it the first time."""
        row = await self._row(media_id)
        if row.upstream_id:
            return row.upstream_id
        upstream_id: str = await self._once(
            f"upload:{media_id}", lambda: self._upload(media_id, row.mime_type, row.size)
        )
        return upstream_id

    async def upload_fetched(self, fetch: Callable[[IO[bytes]], Awaitable[tuple[str, int]]]) -> str:
        """Upload what `fetch` streams into a spooled file (it answers the MIME type and size):
        the network's id. Within a transfer slot, as every other transfer."""
        async with self._slots:
            with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spooled:
                mime_type, size = await fetch(spooled)
                return await self._gateway.upload_media(_chunks_of(spooled), size, mime_type)

    async def _upload(self, media_id: str, mime_type: str, size: int | None) -> str:
        async with self._slots:
            chunks = await self._store.read(media_id)
            upstream_id = await self._gateway.upload_media(chunks, size, mime_type)
        async with self._sessions.begin() as session:
            await media.set_upstream_id(session, media_id, upstream_id)
        return upstream_id


async def _chunks_of(spooled: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := spooled.read(UPLOAD_CHUNK):
        yield chunk
