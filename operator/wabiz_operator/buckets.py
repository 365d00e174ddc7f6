"""The media bucket: created when missing, and — only under `deletionPolicy: Delete` — emptied
(every object version and delete marker, so versioned buckets go too) and removed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from wabiz_operator.status import Check

MISSING_BUCKET_CODES = {"NoSuchBucket", "404", "NotFound"}


@dataclass(frozen=True)
class BucketAccess:
    endpoint: str | None
    bucket: str
    region: str
    access_key: str
    secret_key: str


def _client(access: BucketAccess) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=access.endpoint,
        region_name=access.region,
        aws_access_key_id=access.access_key,
        aws_secret_access_key=access.secret_key,
        config=BotoConfig(
            connect_timeout=5, read_timeout=30, retries={"max_attempts": 2}, s3={"addressing_style": "path"}
        ),
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _ensure(access: BucketAccess, create: bool) -> str:
    client = _client(access)
    try:
        try:
            client.head_bucket(Bucket=access.bucket)
            return "exists"
        except ClientError as exc:
            if not create or _code(exc) not in MISSING_BUCKET_CODES:
                raise
            client.create_bucket(Bucket=access.bucket)
            return "created"
    finally:
        client.close()


async def ensure_bucket(access: BucketAccess, create: bool) -> Check:
    try:
        outcome = await asyncio.to_thread(_ensure, access, create)
    except (ClientError, BotoCoreError) as exc:
        return Check(
            False, "BucketUnavailable", f"bucket {access.bucket}: {exc}; check media.s3 and its credentials"
        )
    return Check(True, "BucketReady", f"bucket {access.bucket} {outcome}")


def _delete_versions(client: Any, bucket: str) -> int:
    """Every version and delete marker (a plain bucket lists its objects as version "null")."""
    removed = 0
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        items = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        keys: list[Any] = [{"Key": item["Key"], "VersionId": item["VersionId"]} for item in items]
        for start in range(0, len(keys), 1000):
            client.delete_objects(
                Bucket=bucket, Delete={"Objects": keys[start : start + 1000], "Quiet": True}
            )
        removed += len(keys)
    return removed


def _delete(access: BucketAccess) -> int | None:
    client = _client(access)
    try:
        removed = _delete_versions(client, access.bucket)
        client.delete_bucket(Bucket=access.bucket)
        return removed
    except ClientError as exc:
        if _code(exc) in MISSING_BUCKET_CODES:
            return None
        raise
    finally:
        client.close()


async def delete_bucket(access: BucketAccess) -> int | None:
    """Objects removed, or None when the bucket was already gone (deletion is then done)."""
    return await asyncio.to_thread(_delete, access)
