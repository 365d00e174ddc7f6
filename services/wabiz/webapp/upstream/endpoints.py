"""`/upstream/webhook`: relayed unchanged to any live CoreApp.

The Cloud API needs one public HTTPS URL, and that URL must survive the loss of any CoreApp, so
the WebApp relays the raw body and its signature to a live CoreApp, which verifies and records
it. The relay answers what the CoreApp answered, so the network retries whatever was not stored.

Anyone may post here, so a post costs little before it is known to be signed: an oversize body
is refused (413) from its Content-Length or as soon as it passes `WABIZ_MAX_WEBHOOK_BYTES`, and a
post without a well-formed signature (401) before its body is read. The WebApp holds no app
secret (only CoreApps need it), so the signature itself is verified by the CoreApp.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from wabiz.kit.httpapp import read_signed_body
from wabiz.kit.signing import HEADER
from wabiz.webapp.deps import State

router = APIRouter(prefix="/upstream/webhook", tags=["upstream"], include_in_schema=False)


@router.get("")
async def verify_subscription(request: Request, state: State) -> Response:
    status, body, content_type = await state.coreapps.relay(
        "GET", "/upstream/webhook", None, {}, dict(request.query_params)
    )
    return Response(body, status_code=status, media_type=content_type)


@router.post("")
async def relay_event(request: Request, state: State) -> Response:
    raw, signature = await read_signed_body(request, state.config.max_webhook_bytes)
    headers = {HEADER: signature, "Content-Type": "application/json"}
    status, body, content_type = await state.coreapps.relay("POST", "/upstream/webhook", raw, headers, {})
    return Response(body, status_code=status, media_type=content_type)
