"""Media rows: uploads, inbound media known by the network's id, deletion."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import media
from wabiz.db.media import MediaRow


async def test_an_upload_is_stored_at_once(session: AsyncSession) -> None:
    await media.add_upload(session, "m1", "image/png", 10, "ab" * 32)
    assert await media.find(session, "m1") == MediaRow("image/png", 10, True, None)
    assert await media.existing(session, ["m1", "m2"]) == {"m1"}
    assert await media.delete(session, "m1")
    assert not await media.delete(session, "m1")
    assert await media.find(session, "m1") is None


async def test_inbound_media_is_stored_once_fetched(session: AsyncSession) -> None:
    await media.add_inbound(session, "m1", "audio/ogg; codecs=opus", None, "up-1")
    assert await media.find(session, "m1") == MediaRow("audio/ogg; codecs=opus", None, False, "up-1")
    await media.mark_stored(session, "m1", 42, "cd" * 32)
    assert await media.find(session, "m1") == MediaRow("audio/ogg; codecs=opus", 42, True, "up-1")


async def test_an_upload_learns_its_upstream_id(session: AsyncSession) -> None:
    await media.add_upload(session, "m1", "image/png", 10, "ab" * 32)
    await media.set_upstream_id(session, "m1", "up-9")
    found = await media.find(session, "m1")
    assert found is not None and found.upstream_id == "up-9"
