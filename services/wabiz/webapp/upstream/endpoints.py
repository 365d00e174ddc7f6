"""`/upstream/webhook`: relayed unchanged to any live CoreApp.

The Cloud API needs one public HTTPS URL, and that URL must survive the loss of any CoreApp, so
the WebApp relays the raw body and its signature to a live CoreApp, which verifies and records
it. The relay answers what the CoreApp answered, so the network retries whatever was not stored.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

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
    headers = {HEADER: request.headers.get(HEADER, ""), "Content-Type": "application/json"}
    status, body, content_type = await state.coreapps.relay(
        "POST", "/upstream/webhook", await request.body(), headers, {}
    )
    return Response(body, status_code=status, media_type=content_type)
