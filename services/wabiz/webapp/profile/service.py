"""The profile lives on the network: every call goes through a CoreApp (any live one).

Reads ask the network each time, so what a client reads is what WhatsApp users see. The photo is
one image of at most 5 MB, checked here (type, size) before it travels, and read whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from wabiz.kit.errors import InvalidParameter, MissingParameter, NotFound
from wabiz.kit.media_types import PROFILE_PHOTO_LIMIT, PROFILE_PHOTO_TYPES, canonical
from wabiz.kit.streams import TooLarge, read_at_most
from wabiz.webapp.profile import rules
from wabiz.webapp.profile.schemas import BusinessProfile
from wabiz.webapp.state import AppState

PROFILE, PHOTO, TWO_STEP = "/internal/profile", "/internal/profile/photo", "/internal/account/two-step"


async def network_profile(state: AppState) -> dict[str, Any]:
    """The profile's fields as the network has them (Cloud API names)."""
    profile = (await state.coreapps.to_any("GET", PROFILE)).get("profile")
    return profile if isinstance(profile, dict) else {}


async def business_profile(state: AppState) -> dict[str, Any]:
    return rules.business_profile(await network_profile(state))


async def update_business_profile(state: AppState, changes: BusinessProfile) -> None:
    fields = changes.model_dump(exclude_none=True)
    if not fields:
        raise MissingParameter(f"give at least one of {', '.join(rules.PROFILE_FIELDS)}")
    await state.coreapps.to_any("POST", PROFILE, fields)


async def about(state: AppState) -> str:
    return str((await network_profile(state)).get("about") or "")


async def set_about(state: AppState, text: str) -> None:
    await state.coreapps.to_any("POST", PROFILE, {"about": text})


async def photo(state: AppState) -> tuple[bytes, str]:
    return await state.coreapps.bytes_from_any(PHOTO)


async def photo_link(state: AppState) -> str:
    link = (await network_profile(state)).get("profile_picture_url")
    if not isinstance(link, str) or not link:
        raise NotFound("no profile photo is set")
    return link


def photo_type(content_type: str | None) -> str:
    if not content_type or not content_type.strip():
        raise MissingParameter("Content-Type is required: image/jpeg or image/png")
    mime = canonical(content_type)
    if mime not in PROFILE_PHOTO_TYPES:
        raise InvalidParameter(f"Content-Type: the profile photo must be {' or '.join(PROFILE_PHOTO_TYPES)}")
    return mime


async def read_photo(declared: str | None, chunks: AsyncIterator[bytes]) -> bytes:
    """The uploaded photo, refused (1009, the limit of its type) from its declared length before a
    byte is read, else as soon as the stream passes the limit."""
    too_large = InvalidParameter(f"the profile photo may be at most {PROFILE_PHOTO_LIMIT} bytes")
    if declared is not None and declared.isdigit() and int(declared) > PROFILE_PHOTO_LIMIT:
        raise too_large
    try:
        data = await read_at_most(chunks, PROFILE_PHOTO_LIMIT)
    except TooLarge:
        raise too_large from None
    if not data:
        raise InvalidParameter("the body is empty; send the image's bytes")
    return data


async def set_photo(state: AppState, data: bytes, mime_type: str) -> None:
    await state.coreapps.bytes_to_any(PHOTO, data, mime_type)


async def remove_photo(state: AppState) -> None:
    await state.coreapps.to_any("DELETE", PHOTO)


async def set_pin(state: AppState, pin: str) -> None:
    await state.coreapps.to_any("POST", TWO_STEP, {"pin": pin})


async def remove_pin(state: AppState) -> None:
    await state.coreapps.to_any("DELETE", TWO_STEP)
