"""`/v1/media`: the body of an upload is the raw bytes, `Content-Type` their MIME type."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.deps import CurrentUser, State
from wabiz.webapp.media import service
from wabiz.webapp.media.rules import download_filename, media_rule
from wabiz.webapp.media.schemas import UploadAnswer
from wabiz.webapp.openapi import Envelope, answer, answered, bytes_body, bytes_content, errors

router = APIRouter(prefix="/v1/media", tags=["media"])


@router.post(
    "",
    status_code=201,
    openapi_extra=bytes_body("*/*"),
    responses=errors(400, 413, also={201: answered("Stored: the new media id", UploadAnswer)}),
)
async def upload_media(user: CurrentUser, request: Request, state: State) -> JSON:
    """Store the body's bytes; answers the new media id."""
    rule = media_rule(request.headers.get("content-type"))
    declared = service.declared_length(request.headers.get("content-length"))
    media_id = await service.upload(state, rule, declared, request.stream())
    return JSON(ok(media=[{"id": media_id}]), status_code=201)


@router.get(
    "/{media_id}",
    response_class=StreamingResponse,
    responses=errors(
        404, also={200: answer("The media's bytes, with their MIME type", bytes_content("*/*"))}
    ),
)
async def download_media(media_id: str, user: CurrentUser, state: State) -> StreamingResponse:
    """The bytes with their type, as an attachment: a browser neither sniffs nor renders them."""
    media = await service.download(state, media_id)
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{download_filename(media_id, media.mime_type)}"',
    }
    if media.size is not None:
        headers["Content-Length"] = str(media.size)
    return StreamingResponse(media.chunks, media_type=media.mime_type, headers=headers)


@router.delete("/{media_id}", responses=errors(404, also={200: answered("Deleted", Envelope)}))
async def delete_media(media_id: str, user: CurrentUser, state: State) -> JSON:
    await service.delete(state, media_id)
    return JSON(ok())
