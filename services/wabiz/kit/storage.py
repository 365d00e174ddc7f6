"""The media store: an S3-compatible bucket, or a directory behind the same interface.

boto3 is synchronous, so every call runs in a worker thread; reads stream in chunks so a 100 MB
document never sits in memory at once. Writes go up in multipart parts, which boto3 holds in
memory (by default up to ten 8 MiB parts per upload, 70 MiB measured for a 64 MiB object); one part
at a time holds about 18 MiB, and a transfer of a few hundred MB stays fast enough.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from wabiz.kit.config import CommonConfig

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHUNK = 256 * 1024
PART = 8 * 1024 * 1024
PARTS_IN_MEMORY = 1


def _transfer_config() -> TransferConfig:
    config = TransferConfig(
        multipart_chunksize=PART, max_concurrency=PARTS_IN_MEMORY, preferred_transfer_client="classic"
    )
    # s3transfer's own knob (not an argument of boto3's TransferConfig): parts read ahead and held.
    config.max_in_memory_upload_chunks = PARTS_IN_MEMORY
    return config


class MediaMissing(KeyError):
    """The store has no object under that key."""


class MediaStore(Protocol):
    async def ensure_ready(self) -> None: ...
    async def put(self, key: str, data: IO[bytes], content_type: str) -> None: ...
    async def read(self, key: str) -> AsyncIterator[bytes]: ...
    async def delete(self, key: str) -> None: ...
    async def close(self) -> None: ...


async def _iterate(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(next, chunks, b""):
        yield chunk


class S3Store:
    def __init__(self, client: S3Client, bucket: str, create_bucket: bool = False) -> None:
        self._s3, self._bucket, self._create = client, bucket, create_bucket
        self._transfer = _transfer_config()

    async def ensure_ready(self) -> None:
        try:
            await asyncio.to_thread(self._s3.head_bucket, Bucket=self._bucket)
        except ClientError as exc:
            if not self._create:
                raise RuntimeError(
                    f"media bucket {self._bucket!r} is not reachable at {self._s3.meta.endpoint_url}: {exc}; "
                    "create it (the operator does) or check WABIZ_S3_* settings"
                ) from exc
            await asyncio.to_thread(self._s3.create_bucket, Bucket=self._bucket)

    async def put(self, key: str, data: IO[bytes], content_type: str) -> None:
        await asyncio.to_thread(
            self._s3.upload_fileobj,
            data,
            self._bucket,
            key,
            ExtraArgs={"ContentType": content_type},
            Config=self._transfer,
        )

    async def read(self, key: str) -> AsyncIterator[bytes]:
        try:
            obj = await asyncio.to_thread(self._s3.get_object, Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MediaMissing(key) from None
            raise
        return _iterate(obj["Body"].iter_chunks(CHUNK))

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._s3.delete_object, Bucket=self._bucket, Key=key)

    async def close(self) -> None:
        await asyncio.to_thread(self._s3.close)


class FsStore:
    """Files under a directory; keys are media ids, which never contain a path separator."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        if not key or "/" in key or key.startswith("."):
            raise MediaMissing(key)
        return self._root / key

    async def ensure_ready(self) -> None:
        self._root.mkdir(parents=True, exist_ok=True)

    async def put(self, key: str, data: IO[bytes], content_type: str) -> None:
        def write() -> None:
            tmp = self._path(key).with_suffix(".part")
            with tmp.open("wb") as out:
                shutil.copyfileobj(data, out, CHUNK)
            os.replace(tmp, self._path(key))

        await asyncio.to_thread(write)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise MediaMissing(key) from None
        return _iterate_file(handle)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def close(self) -> None:
        """Nothing to release: files are opened per call."""


async def _iterate_file(handle: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        async for chunk in _iterate(iter(lambda: handle.read(CHUNK), b"")):
            yield chunk
    finally:
        handle.close()


def s3_client(config: CommonConfig) -> S3Client:
    def secret(value: object) -> str | None:
        return value.get_secret_value() if hasattr(value, "get_secret_value") else None

    return boto3.client(
        "s3",
        endpoint_url=config.s3_endpoint,
        region_name=config.s3_region,
        aws_access_key_id=secret(config.s3_access_key_id),
        aws_secret_access_key=secret(config.s3_secret_access_key),
        config=BotoConfig(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 5, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )


def make_store(config: CommonConfig, create_bucket: bool = False) -> MediaStore:
    if config.media_backend == "fs":
        return FsStore(Path(config.media_dir))
    return S3Store(s3_client(config), config.s3_bucket, create_bucket)
