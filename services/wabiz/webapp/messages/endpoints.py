"""`POST /v1/messages` (201 Created once stored) and `PUT /v1/messages/{id}` (mark read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON, json_body
from wabiz.webapp.bodies import documented
from wabiz.webapp.deps import CurrentUser, State, body_of
from wabiz.webapp.messages import service
from wabiz.webapp.messages.rules import parse_message
from wabiz.webapp.messages.schemas import AnyMessage, SentAnswer, StatusChange
from wabiz.webapp.openapi import Envelope, answered, errors

router = APIRouter(prefix="/v1/messages", tags=["messages"])


@router.post(
    "",
    status_code=201,
    openapi_extra=documented(AnyMessage),
    responses=errors(400, 404, also={201: answered("Stored: the message's durable id", SentAnswer)}),
)
async def send_message(user: CurrentUser, request: Request, state: State) -> JSON:
    """Hand a message to the CoreApp owning its recipient; the id answered is durable."""
    message = parse_message(await json_body(request, state.config.max_json_bytes))
    message_id = await service.send(state, message)
    return JSON(ok(messages=[{"id": message_id}]), status_code=201)


@router.put(
    "/{message_id:path}",
    openapi_extra=documented(StatusChange),
    responses=errors(400, 404, also={200: answered("Marked read", Envelope)}),
)
async def mark_read(
    message_id: str, user: CurrentUser, body: Annotated[StatusChange, body_of(StatusChange)], state: State
) -> JSON:
    """Mark an inbound message read (the customer sees blue ticks). Ids may contain `/`."""
    await service.mark_read(state, message_id)
    return JSON(ok())
