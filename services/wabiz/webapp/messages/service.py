"""Sending a message and marking an inbound one read, with the CoreApp owning the recipient.

A send is validated, checked against what is in memory (registration and the business number from
the cached shard map, known-invalid recipients), stored as a queued row and handed to the owner of
the recipient's shard (`queue.py`); the id is answered once the row is stored, so it is durable.
Media sent by id or through a media provider costs one more read (one indexed lookup, one
settings row).
"""

from __future__ import annotations

from urllib.parse import quote

from wabiz.db import media, messages
from wabiz.db.messages import Outgoing, new_message_id
from wabiz.kit.errors import BadUser, InvalidParameter, InvalidUser, NotFound, NotReady
from wabiz.kit.phone import is_plausible_wa_id, normalize
from wabiz.kit.sharding import shard_of
from wabiz.webapp.messages.rules import media_objects
from wabiz.webapp.messages.schemas import Media, MessageBase
from wabiz.webapp.providers.service import require_providers
from wabiz.webapp.state import AppState


def recipient(to: str) -> str:
    """The wa_id (digits) of `to`; 1009 when it is no phone number."""
    wa_id = normalize(to)
    if wa_id is None or not is_plausible_wa_id(wa_id):
        raise InvalidParameter(f"to: {to!r} is not a phone number or wa_id (8 to 15 digits)")
    return wa_id


async def require_media(state: AppState, objects: list[tuple[str, Media]]) -> None:
    """Media sent by id must have been uploaded (or received): 1006 naming the first unknown."""
    by_id = {media.id: path for path, media in objects if media.id is not None}
    if not by_id:
        return
    async with state.sessions.begin() as session:
        found = await media.existing(session, list(by_id))
    for media_id, path in by_id.items():
        if media_id not in found:
            raise NotFound(f"{path}.id: media {media_id} does not exist; upload it with POST /v1/media")


async def require_named_providers(state: AppState, objects: list[tuple[str, Media]]) -> None:
    """Media providers a link names must exist: 1009 naming the first unknown."""
    named = {m.provider.name: f"{path}.provider.name" for path, m in objects if m.provider is not None}
    if named:
        async with state.sessions.begin() as session:
            await require_providers(session, named)


async def send(state: AppState, message: MessageBase) -> str:
    wa_id = recipient(message.to)
    shard_map = await state.shard_maps.get()
    if not shard_map.registered:
        raise NotReady("the account is not registered yet; register it with POST /v1/account")
    if wa_id == shard_map.business_wa_id:
        raise BadUser("a business cannot send messages to its own number")
    if state.known_invalid.is_invalid(wa_id):
        raise InvalidUser(f"to: {message.to} is not a WhatsApp user (checked with POST /v1/contacts)")
    objects = media_objects(message)
    await require_media(state, objects)
    await require_named_providers(state, objects)
    body = message.model_dump(exclude_none=True) | {"to": wa_id}
    owner = await state.coreapps.owner_of(wa_id)
    outgoing = Outgoing(new_message_id(), wa_id, shard_of(wa_id, shard_map.shards), body)
    await state.sends.store(outgoing, owner)
    return outgoing.id


async def mark_read(state: AppState, message_id: str) -> None:
    async with state.sessions.begin() as session:
        message = await messages.inbound(session, message_id)
    if message is None:
        raise NotFound(f"no inbound message with id {message_id}")
    path = f"/internal/messages/{quote(message_id, safe='')}"
    await state.coreapps.to_owner(message.wa_id, "PUT", path, {"status": "read"})
