from __future__ import annotations

import io
from pathlib import Path

import pytest

from wabiz.kit.config import CommonConfig
from wabiz.kit.storage import FsStore, MediaMissing, MediaStore, make_store
from wabiz.local.s3 import ACCESS_KEY, SECRET_KEY, LocalS3


async def _round_trip(store: MediaStore) -> None:
    await store.ensure_ready()
    payload = b"x" * 700_000
    await store.put("m1", io.BytesIO(payload), "image/png")
    chunks = [chunk async for chunk in await store.read("m1")]
    assert b"".join(chunks) == payload
    assert len(chunks) > 1, "reads must stream in chunks"
    await store.delete("m1")
    with pytest.raises(MediaMissing):
        await store.read("m1")
    await store.close()


async def test_fs_store_round_trip(tmp_path: Path) -> None:
    await _round_trip(FsStore(tmp_path / "media"))


async def test_fs_store_refuses_path_keys(tmp_path: Path) -> None:
    with pytest.raises(MediaMissing):
        await FsStore(tmp_path).read("../etc/passwd")


async def test_s3_store_round_trip(s3: LocalS3) -> None:
    config = CommonConfig(
        dev_mode=True,
        media_backend="s3",
        s3_endpoint=s3.endpoint,
        s3_bucket="roundtrip",
        s3_access_key_id=ACCESS_KEY,  # type: ignore[arg-type]
        s3_secret_access_key=SECRET_KEY,  # type: ignore[arg-type]
    )
    await _round_trip(make_store(config, create_bucket=True))
