"""`/v1/media`: upload (streamed to a spooled temp file, then to the store), download, delete."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import text

from wabiz.kit.envelope import ok
from wabiz.kit.errors import InvalidParameter, NotFound
from wabiz.kit.httpapp import JSON
from wabiz.kit.storage import MediaMissing
from wabiz.webapp.deps import State, User
from wabiz.webapp.media_rules import canonical, media_problem

router = APIRouter(tags=["media"])
SPOOL_IN_MEMORY = 1024 * 1024


@router.post("/v1/media", status_code=201)
async def upload(request: Request, user: User, state: State) -> JSON:
    content_type = request.headers.get("content-type", "")
    limit = state.config.max_upload_bytes
    digest, size = hashlib.sha256(), 0
    with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spool:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise InvalidParameter(f"media larger than the upload limit of {limit} bytes")
            digest.update(chunk)
            spool.write(chunk)
        problem = media_problem(content_type, size)
        if problem:
            raise InvalidParameter(problem)
        spool.seek(0)
        media_id = str(uuid.uuid4())
        await state.store.put(media_id, spool, canonical(content_type))
    async with state.sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO media (id, mime_type, size, sha256, source, stored)"
                " VALUES (:id, :mime, :size, :sha, 'upload', true)"
            ),
            {"id": media_id, "mime": canonical(content_type), "size": size, "sha": digest.hexdigest()},
        )
    return JSON(ok(media=[{"id": media_id}]), status_code=201)


async def _media_row(state: State, media_id: str) -> tuple[str, bool]:
    async with state.sessions() as session:
        row = (
            await session.execute(
                text("SELECT mime_type, stored FROM media WHERE id = :id"), {"id": media_id}
            )
        ).first()
    if row is None:
        raise NotFound(f"media {media_id} does not exist")
    return row.mime_type, row.stored


@router.get("/v1/media/{media_id}")
async def download(media_id: str, user: User, state: State) -> StreamingResponse:
    mime_type, stored = await _media_row(state, media_id)
    if not stored:
        await state.coreapps.to_any("POST", f"/internal/media/{media_id}/fetch")
    try:
        chunks: AsyncIterator[bytes] = await state.store.read(media_id)
    except MediaMissing:
        raise NotFound(f"media {media_id} is no longer in the media store") from None
    return StreamingResponse(chunks, media_type=mime_type)


@router.delete("/v1/media/{media_id}")
async def delete(media_id: str, user: User, state: State) -> JSON:
    await _media_row(state, media_id)
    await state.store.delete(media_id)
    async with state.sessions.begin() as session:
        await session.execute(text("DELETE FROM media WHERE id = :id"), {"id": media_id})
    return JSON(ok())
