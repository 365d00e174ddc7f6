"""The business's profile on the network: its fields, its photo and the two-step verification PIN.

Nothing is stored here: the network holds the profile, so every read asks it and every change is
made there, and any node can serve any call. The CoreApp speaks the Cloud API's vocabulary (field
names, vertical codes); the WebApp translates to the On-Premises one. Two On-Premises functions
have no Cloud API counterpart, removing the photo and removing the PIN: both are refused with a
documented error that says where to do it instead (WhatsApp Manager).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

from wabiz.gateway.base import Gateway, ProfilePhoto
from wabiz.kit.errors import InvalidParameter, NotFound
from wabiz.kit.media_types import PROFILE_PHOTO_LIMIT

PHOTO_REMOVAL_UNSUPPORTED = (
    "the WhatsApp network (Cloud API) cannot remove a profile photo; replace it with"
    " POST /v1/settings/profile/photo, or remove it in WhatsApp Manager"
)
PIN_REMOVAL_UNSUPPORTED = (
    "the WhatsApp network (Cloud API) cannot turn two-step verification off; change the PIN with"
    " POST /v1/settings/account/two-step, or turn it off in WhatsApp Manager"
    " (Phone numbers → Two-step verification)"
)


class Profile:
    def __init__(self, gateway: Gateway, require_registered: Callable[[], Awaitable[None]]) -> None:
        """`require_registered` refuses (1011) until the number is registered (the network knows
        no profile before); the node passes one that reads the account row on every call, so a
        profile call right after a restore reaches the restored number's profile."""
        self._gateway, self._require_registered = gateway, require_registered

    async def read(self) -> dict[str, Any]:
        await self._require_registered()
        return await self._gateway.business_profile()

    async def update(self, fields: dict[str, Any]) -> None:
        await self._require_registered()
        await self._gateway.update_business_profile(fields)

    async def photo(self) -> ProfilePhoto:
        url = (await self.read()).get("profile_picture_url")
        if not isinstance(url, str) or not url:
            raise NotFound("no profile photo is set")
        return await self._gateway.download_profile_photo(url, PROFILE_PHOTO_LIMIT)

    async def set_photo(self, data: bytes, mime_type: str) -> None:
        await self._require_registered()
        handle = await self._gateway.upload_profile_photo(data, mime_type)
        await self._gateway.update_business_profile({"profile_picture_handle": handle})

    async def remove_photo(self) -> NoReturn:
        raise InvalidParameter(PHOTO_REMOVAL_UNSUPPORTED)

    async def set_pin(self, pin: str) -> None:
        await self._require_registered()
        await self._gateway.set_pin(pin)

    async def remove_pin(self) -> NoReturn:
        raise InvalidParameter(PIN_REMOVAL_UNSUPPORTED)
