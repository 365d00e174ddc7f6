"""Media bytes in the media store, their metadata in the `media` table.

An upload is streamed into a spooled temporary file (memory up to 1 MiB, then disk) while its
size and sha256 are computed, so a 64 MB upload never sits in memory and an oversize one is
refused as soon as it crosses the limit. The object is stored before its row exists, and removed
again if the row cannot be written, so no row ever points at nothing.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

from wabiz.db import media
from wabiz.kit.errors import InvalidParameter, NotFound
from wabiz.kit.storage import MediaMissing
from wabiz.webapp.media.rules import MediaRule, size_problem
from wabiz.webapp.state import AppState

SPOOL_IN_MEMORY = 1024 * 1024


@dataclass(frozen=True)
class MediaDownload:
    mime_type: str
    size: int | None
    chunks: AsyncIterator[bytes]


async def upload(state: AppState, rule: MediaRule, declared: int | None, chunks: AsyncIterator[bytes]) -> str:
    cap = state.config.max_upload_bytes
    if declared is not None and declared > 0 and (problem := size_problem(rule, declared, cap)):
        raise problem  # refused before reading a byte
    digest, size, media_id = hashlib.sha256(), 0, str(uuid.uuid4())
    with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spool:
        async for chunk in chunks:
            size += len(chunk)
            if problem := size_problem(rule, size, cap):
                raise problem
            digest.update(chunk)
            spool.write(chunk)
        if problem := size_problem(rule, size, cap):
            raise problem
        spool.seek(0)
        await state.store.put(media_id, spool, rule.mime_type)
    try:
        async with state.sessions.begin() as session:
            await media.add_upload(session, media_id, rule.mime_type, size, digest.hexdigest())
    except Exception:
        await state.store.delete(media_id)
        raise
    return media_id


async def download(state: AppState, media_id: str) -> MediaDownload:
    """The media's bytes; inbound media not yet in the store is fetched by a CoreApp first."""
    async with state.sessions.begin() as session:
        row = await media.find(session, media_id)
    if row is None:
        raise NotFound(f"media {media_id} does not exist")
    if not row.stored:
        await state.coreapps.to_any("POST", f"/internal/media/{quote(media_id, safe='')}/fetch")
    try:
        chunks = await state.store.read(media_id)
    except MediaMissing:
        raise NotFound(f"media {media_id} is no longer in the media store") from None
    return MediaDownload(row.mime_type, row.size if row.stored else None, chunks)


async def delete(state: AppState, media_id: str) -> None:
    """Row and object go together: the object is deleted inside the row's transaction."""
    async with state.sessions.begin() as session:
        if not await media.delete(session, media_id):
            raise NotFound(f"media {media_id} does not exist")
        await state.store.delete(media_id)


def declared_length(header: str | None) -> int | None:
    if header is None:
        return None
    if not header.isdigit():
        raise InvalidParameter("Content-Length must be a number of bytes")
    return int(header)
