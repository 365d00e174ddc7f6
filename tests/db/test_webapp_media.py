"""`/v1/media` against a real database, with the media store on disk and on a real S3 endpoint."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from io import BytesIO
from pathlib import Path

import pytest

from tests.db.webapp_harness import (
    INTERNAL_TOKEN,
    Running,
    admin_headers,
    error,
    fake_coreapp,
    register_node,
    running,
    webapp_config,
)
from wabiz.local.s3 import ACCESS_KEY, SECRET_KEY, LocalS3

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


@pytest.fixture
async def run(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    async with running(
        webapp_config(database_url, tmp_path / "media", max_upload_bytes=8 * 1024 * 1024)
    ) as started:
        yield started


async def _round_trip(run: Running) -> str:
    headers = await admin_headers(run.client)
    upload = await run.client.post("/v1/media", headers=headers | {"Content-Type": "image/png"}, content=PNG)
    assert upload.status_code == 201, upload.text
    media_id: str = upload.json()["media"][0]["id"]
    assert uuid.UUID(media_id)
    row = (
        await run.sql("SELECT mime_type, size, sha256, source, stored FROM media WHERE id = :i", i=media_id)
    )[0]
    assert tuple(row) == ("image/png", len(PNG), hashlib.sha256(PNG).hexdigest(), "upload", True)
    download = await run.client.get(f"/v1/media/{media_id}", headers=headers)
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-length"] == str(len(PNG))
    assert (await run.client.delete(f"/v1/media/{media_id}", headers=headers)).status_code == 200
    assert error(await run.client.get(f"/v1/media/{media_id}", headers=headers))[:2] == (404, 1006)
    assert error(await run.client.delete(f"/v1/media/{media_id}", headers=headers))[:2] == (404, 1006)
    return media_id


async def test_upload_download_delete_on_disk(run: Running, tmp_path: Path) -> None:
    media_id = await _round_trip(run)
    assert not (tmp_path / "media" / media_id).exists()


async def test_upload_download_delete_on_s3(database_url: str, tmp_path: Path, s3: LocalS3) -> None:
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(bucket)
    config = webapp_config(
        database_url,
        tmp_path,
        media_backend="s3",
        s3_endpoint=s3.endpoint,
        s3_bucket=bucket,
        s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY,
    )
    async with running(config) as run:
        await _round_trip(run)


@pytest.mark.parametrize(
    ("content_type", "size", "status", "code", "words"),
    [
        ("image/jpeg", 5 * 1024 * 1024 + 1, 400, 1009, "image (image/jpeg) may be at most 5242880 bytes"),
        ("image/webp", 500 * 1024 + 1, 400, 1009, "sticker"),
        ("application/pdf", 8 * 1024 * 1024 + 1, 413, 1025, "WABIZ_MAX_UPLOAD_BYTES"),
        ("image/png", 0, 400, 1009, "empty"),
        ("image/gif", 10, 400, 1009, "image/gif is not supported"),
        ("not a type", 10, 400, 1009, "not a MIME type"),
    ],
)
async def test_upload_limits(
    run: Running, content_type: str, size: int, status: int, code: int, words: str
) -> None:
    headers = await admin_headers(run.client) | {"Content-Type": content_type}
    answer = await run.client.post("/v1/media", headers=headers, content=b"x" * size)
    got_status, got_code, details = error(answer)
    assert (got_status, got_code) == (status, code)
    assert words in details, details
    assert await run.sql("SELECT id FROM media") == []


async def test_a_streamed_upload_is_cut_off_at_the_cap(run: Running, tmp_path: Path) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * (1024 * 1024)

    headers = await admin_headers(run.client) | {"Content-Type": "application/zip"}
    answer = await run.client.post("/v1/media", headers=headers, content=chunks())
    assert error(answer)[:2] == (413, 1025)
    assert list((tmp_path / "media").glob("*")) == [], "nothing reached the store"


async def test_upload_needs_a_content_type(run: Running) -> None:
    headers = await admin_headers(run.client)
    answer = await run.client.post("/v1/media", headers=headers, content=b"bytes")
    assert error(answer)[:2] == (400, 1008)


async def test_documents_and_opus_audio(run: Running) -> None:
    headers = await admin_headers(run.client)
    for content_type, stored in (
        ("application/pdf", "application/pdf"),
        ("Audio/OGG; Codecs=opus", "audio/ogg; codecs=opus"),
    ):
        upload = await run.client.post(
            "/v1/media", headers=headers | {"Content-Type": content_type}, content=b"%PDF"
        )
        assert upload.status_code == 201, upload.text
        rows = await run.sql("SELECT mime_type FROM media WHERE id = :i", i=upload.json()["media"][0]["id"])
        assert rows[0].mime_type == stored


async def test_media_needs_a_token(run: Running) -> None:
    assert error(await run.client.post("/v1/media", content=PNG))[:2] == (401, 1005)
    assert error(await run.client.get("/v1/media/x"))[:2] == (401, 1005)


async def test_inbound_media_is_fetched_by_a_coreapp_first(run: Running) -> None:
    headers = await admin_headers(run.client)
    await run.sql(
        "INSERT INTO media (id, mime_type, source, upstream_id, stored)"
        " VALUES ('in-1', 'image/png', 'inbound', 'u', false)"
    )
    assert error(await run.client.get("/v1/media/in-1", headers=headers))[:2] == (503, 1011), "no CoreApp"
    async with fake_coreapp() as coreapp:
        await register_node(run, "node-a", coreapp.url)
        await run.state.shard_maps.get(fresh=True)
        await run.state.store.put("in-1", BytesIO(PNG), "image/png")
        coreapp.answers[("POST", "/internal/media/in-1/fetch")] = (200, {"stored": True})
        answer = await run.client.get("/v1/media/in-1", headers=headers)
        assert answer.status_code == 200 and answer.content == PNG
        method, path, sent_headers, _ = coreapp.requests[-1]
        assert (method, path) == ("POST", "/internal/media/in-1/fetch")
        assert sent_headers["Authorization"] == f"Bearer {INTERNAL_TOKEN}"
        coreapp.answers[("POST", "/internal/media/in-1/fetch")] = (
            400,
            {"errors": [{"code": 1009, "title": "x", "details": "upstream refused the download"}]},
        )
        assert error(await run.client.get("/v1/media/in-1", headers=headers)) == (
            400,
            1009,
            "upstream refused the download",
        ), "the CoreApp's error passes through unchanged"
