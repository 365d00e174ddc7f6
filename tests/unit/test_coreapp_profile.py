"""The CoreApp's profile part over a fake network: what it asks, and what it refuses itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from wabiz.coreapp.profile import Profile
from wabiz.gateway.base import Gateway, ProfilePhoto
from wabiz.kit.errors import InvalidParameter, NotFound, NotReady
from wabiz.kit.media_types import PROFILE_PHOTO_LIMIT


@dataclass
class FakeNetwork:
    profile: dict[str, Any] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    async def business_profile(self) -> dict[str, Any]:
        return self.profile

    async def update_business_profile(self, fields: dict[str, Any]) -> None:
        self.calls.append(("update", fields))

    async def upload_profile_photo(self, data: bytes, mime_type: str) -> str:
        self.calls.append(("upload", (data, mime_type)))
        return "2:handle"

    async def download_profile_photo(self, url: str, limit: int) -> ProfilePhoto:
        self.calls.append(("download", (url, limit)))
        return ProfilePhoto(b"png", "image/png")

    async def set_pin(self, pin: str) -> None:
        self.calls.append(("pin", pin))


async def registered() -> None:
    return None


async def unregistered() -> None:
    raise NotReady("the account is not registered yet")


def profile_over(network: FakeNetwork, require: Any = registered) -> Profile:
    return Profile(cast(Gateway, network), require)


async def test_a_new_photo_is_uploaded_then_named_by_its_handle() -> None:
    network = FakeNetwork()
    await profile_over(network).set_photo(b"png", "image/png")
    assert network.calls == [
        ("upload", (b"png", "image/png")),
        ("update", {"profile_picture_handle": "2:handle"}),
    ]


async def test_the_photo_is_fetched_from_its_link_within_the_limit() -> None:
    network = FakeNetwork({"profile_picture_url": "https://cdn.example/p.png"})
    assert (await profile_over(network).photo()).data == b"png"
    assert network.calls == [("download", ("https://cdn.example/p.png", PROFILE_PHOTO_LIMIT))]
    with pytest.raises(NotFound):
        await profile_over(FakeNetwork()).photo()


async def test_what_the_network_cannot_do_is_refused_with_where_to_do_it() -> None:
    profile = profile_over(FakeNetwork())
    with pytest.raises(InvalidParameter, match="WhatsApp Manager"):
        await profile.remove_pin()
    with pytest.raises(InvalidParameter, match="WhatsApp Manager"):
        await profile.remove_photo()


async def test_nothing_reaches_the_network_before_the_number_is_registered() -> None:
    network = FakeNetwork()
    profile = profile_over(network, unregistered)
    for call in (profile.read(), profile.update({"about": "x"}), profile.set_pin("123456")):
        with pytest.raises(NotReady):
            await call
    assert network.calls == []
