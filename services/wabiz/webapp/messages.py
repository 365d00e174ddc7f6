"""`POST /v1/messages` and `PUT /v1/messages/{id}`.

The WebApp validates, then hands the message to the CoreApp owning the recipient's shard and
answers only once that CoreApp has stored it: the id we return is durable.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from wabiz.kit.envelope import ok
from wabiz.kit.errors import BadUser, InvalidParameter, InvalidUser, NotFound, NotReady
from wabiz.kit.httpapp import JSON
from wabiz.kit.phone import is_plausible_wa_id, normalize
from wabiz.webapp.deps import State, User
from wabiz.webapp.message_schemas import MEDIA_TYPES, MessageRequest, check_message

router = APIRouter(tags=["messages"])


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    status: str


async def _check_media(state: State, message: MessageRequest) -> None:
    """Media sent by id must exist; text and the other types cost no database read here."""
    media = getattr(message, message.type) if message.type in MEDIA_TYPES else None
    media_id = getattr(media, "id", None)
    if not media_id:
        return
    async with state.sessions() as session:
        found = (await session.execute(text("SELECT 1 FROM media WHERE id = :m"), {"m": media_id})).first()
    if found is None:
        raise NotFound(f"{message.type}.id: media {media_id} does not exist")


@router.post("/v1/messages", status_code=201)
async def send_message(message: MessageRequest, user: User, state: State) -> JSON:
    check_message(message)
    wa_id = normalize(message.to)
    if wa_id is None or not is_plausible_wa_id(wa_id):
        raise InvalidParameter(f"to: {message.to!r} is not a phone number or wa_id")
    shard_map = await state.router.current()
    if not shard_map.registered:
        raise NotReady("the account is not registered yet (POST /v1/account)")
    if wa_id == shard_map.business_wa_id:
        raise BadUser("cannot send a message to the business's own number")
    await _check_media(state, message)
    if await state.invalid_contacts.known_invalid(wa_id):
        raise InvalidUser(f"{message.to} is not a WhatsApp user (contacts check)")
    body = message.model_dump(exclude_none=True) | {"to": wa_id}
    stored = await state.coreapps.to_owner(wa_id, "POST", "/internal/messages", {"message": body})
    return JSON(ok(messages=[{"id": stored["id"]}]), status_code=201)


@router.put("/v1/messages/{message_id}")
async def mark_read(message_id: str, change: StatusChange, user: User, state: State) -> JSON:
    if change.status != "read":
        raise InvalidParameter("status: only 'read' can be set")
    async with state.sessions() as session:
        row = (
            await session.execute(
                text("SELECT wa_id FROM messages WHERE id = :id AND direction = 'in'"), {"id": message_id}
            )
        ).first()
    if row is None:
        raise NotFound(f"no inbound message with id {message_id}")
    await state.coreapps.to_owner(row.wa_id, "PUT", f"/internal/messages/{message_id}", {"status": "read"})
    return JSON(ok())
