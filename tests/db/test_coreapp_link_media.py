"""A CoreApp fetching outbound `link` media through a media provider (`coreapp/link_media.py`):
the provider's credentials from the database, a real HTTP media server that needs them, and a
gateway that records what would reach the network."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

import pytest

from tests.db.helpers import Sessions
from tests.tooling.media_server import protected_media
from wabiz.coreapp.link_media import LinkMedia
from wabiz.coreapp.media import MediaBridge
from wabiz.db import settings
from wabiz.gateway.base import UpstreamError
from wabiz.kit.storage import FsStore
from wabiz.kit.webhook_guard import TargetPolicy

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100
PROVIDER = {"name": "cdn", "type": "www", "config": {"basic": {"username": "bob", "password": "s3cret-pw"}}}
LOOPBACK = TargetPolicy(allow_loopback=True)


class UploadRecorder:
    """The gateway's upload, recorded; nothing else is called."""

    def __init__(self) -> None:
        self.uploads: list[tuple[bytes, int | None, str]] = []

    async def upload_media(self, chunks: AsyncIterable[bytes], size: int | None, mime_type: str) -> str:
        self.uploads.append((b"".join([chunk async for chunk in chunks]), size, mime_type))
        return f"upstream-{len(self.uploads)}"


@pytest.fixture
async def gateway(sessions: Sessions) -> UploadRecorder:
    async with sessions.begin() as session:
        await settings.write(session, {"providers": [PROVIDER]}, settings.MEDIA_PROVIDERS)
    return UploadRecorder()


@pytest.fixture
async def links(sessions: Sessions, gateway: UploadRecorder, tmp_path: Path) -> AsyncIterator[LinkMedia]:
    bridge = MediaBridge(sessions, gateway, FsStore(tmp_path), 2)  # type: ignore[arg-type]
    link_media = LinkMedia(sessions, bridge, LOOPBACK)
    yield link_media
    await link_media.close()


async def test_the_link_is_fetched_with_the_providers_credentials(
    links: LinkMedia, gateway: UploadRecorder
) -> None:
    with protected_media(PNG, "image/png", "bob", "s3cret-pw") as media:
        assert await links.upstream_id(media.url, "cdn", "image") == "upstream-1"
    assert gateway.uploads == [(PNG, len(PNG), "image/png")]
    assert media.authorizations[0] is not None and media.authorizations[0].startswith("Basic ")


async def _failure(links: LinkMedia, url: str, provider: str = "cdn", kind: str = "image") -> UpstreamError:
    with pytest.raises(UpstreamError) as raised:
        await links.upstream_id(url, provider, kind)
    assert raised.value.code == 131052
    return raised.value


async def test_what_fails_the_message(links: LinkMedia, gateway: UploadRecorder) -> None:
    with protected_media(PNG, "image/png", "bob", "another-password") as media:
        refused = await _failure(links, media.url)
        assert "HTTP 401" in refused.details and not refused.retryable
        assert "no media provider named 'gone'" in (await _failure(links, media.url, "gone")).details
    with protected_media(PNG, "image/png", "bob", "s3cret-pw") as media:
        assert "cannot be sent as sticker" in (await _failure(links, media.url, kind="sticker")).details
    with protected_media(b"x" * (500 * 1024 + 1), "image/webp", "bob", "s3cret-pw") as media:
        assert "larger than 512000 bytes" in (await _failure(links, media.url, kind="sticker")).details
    assert gateway.uploads == []


async def test_the_address_policy_of_webhooks_applies(
    sessions: Sessions, gateway: UploadRecorder, tmp_path: Path
) -> None:
    bridge = MediaBridge(sessions, gateway, FsStore(tmp_path), 1)  # type: ignore[arg-type]
    strict = LinkMedia(sessions, bridge, TargetPolicy())
    try:
        with protected_media(PNG, "image/png", "bob", "s3cret-pw") as media:
            refused = await _failure(strict, media.url)
            assert "refused" in refused.details and "loopback" in refused.details
            assert media.authorizations == [], "the credentials never left"
            named = await _failure(strict, media.url.replace("127.0.0.1", "localhost"))
            assert "loopback" in named.details, "checked on the resolved addresses too"
            assert not named.retryable
    finally:
        await strict.close()
