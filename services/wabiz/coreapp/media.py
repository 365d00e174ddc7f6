"""Media crossing the gateway: inbound media copied into our store, outbound media uploaded once."""

from __future__ import annotations

import hashlib
import io
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.gateway.base import Gateway
from wabiz.kit.errors import NotFound
from wabiz.kit.storage import MediaStore

log = logging.getLogger(__name__)


class MediaBridge:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], gateway: Gateway, store: MediaStore
    ) -> None:
        self._sessions, self._gateway, self._store = sessions, gateway, store

    async def _row(self, media_id: str) -> tuple[str | None, str, bool]:
        async with self._sessions() as session:
            row = (
                await session.execute(
                    text("SELECT upstream_id, mime_type, stored FROM media WHERE id = :id"), {"id": media_id}
                )
            ).first()
        if row is None:
            raise NotFound(f"media {media_id} does not exist")
        return row.upstream_id, row.mime_type, row.stored

    async def fetch(self, media_id: str) -> None:
        """Copy an inbound media object from the network into our store (idempotent)."""
        upstream_id, mime_type, stored = await self._row(media_id)
        if stored or upstream_id is None:
            return
        info = await self._gateway.media_info(upstream_id)
        data = await self._gateway.download(info.url)
        await self._store.put(media_id, io.BytesIO(data), mime_type)
        async with self._sessions.begin() as session:
            await session.execute(
                text("UPDATE media SET stored = true, size = :size, sha256 = :sha WHERE id = :id"),
                {"id": media_id, "size": len(data), "sha": hashlib.sha256(data).hexdigest()},
            )
        log.info("stored inbound media %s (%d bytes)", media_id, len(data))

    async def upstream_id_for(self, media_id: str) -> str:
        """The network's id for one of our media objects, uploading it the first time."""
        upstream_id, mime_type, _ = await self._row(media_id)
        if upstream_id:
            return upstream_id
        data = b"".join([chunk async for chunk in await self._store.read(media_id)])
        upstream_id = await self._gateway.upload_media(data, mime_type)
        async with self._sessions.begin() as session:
            await session.execute(
                text("UPDATE media SET upstream_id = :up WHERE id = :id"), {"id": media_id, "up": upstream_id}
            )
        return upstream_id
