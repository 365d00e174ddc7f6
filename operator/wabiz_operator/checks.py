"""Checks against things outside Kubernetes: the external database, the bucket, the WebApp.

Each returns a `Check` whose message says what to do; none raises for an expected failure.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import boto3
import psycopg
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from psycopg import sql

from wabiz_operator.status import Check


def _ensure_database(host: str, port: int, user: str, password: str, name: str, sslmode: str) -> None:
    params = {"host": host, "port": port, "user": user, "password": password, "sslmode": sslmode}
    with psycopg.connect(dbname="postgres", connect_timeout=5, autocommit=True, **params) as conn:  # type: ignore[arg-type]
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


async def external_database(external: dict[str, Any], user: str, password: str) -> Check:
    host, port, name = external["host"], int(external.get("port", 5432)), external.get("name", "wabiz")
    try:
        await asyncio.to_thread(
            _ensure_database, host, port, user, password, name, external.get("sslMode", "require")
        )
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check(
            False,
            "DatabaseUnreachable",
            f"{host}:{port}: {first_line}; check the host and credentials Secret",
        )
    return Check(True, "DatabaseReachable", f"database {name} on {host}:{port} is reachable")


def _s3_client(s3: dict[str, Any], access_key: str, secret_key: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=s3.get("endpoint"),
        region_name=s3.get("region", "us-east-1"),
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=BotoConfig(
            connect_timeout=5, read_timeout=30, retries={"max_attempts": 2}, s3={"addressing_style": "path"}
        ),
    )


def _ensure_bucket(s3: dict[str, Any], access_key: str, secret_key: str) -> str:
    client = _s3_client(s3, access_key, secret_key)
    try:
        try:
            client.head_bucket(Bucket=s3["bucket"])
            return "exists"
        except ClientError:
            if not s3.get("create", True):
                raise
            client.create_bucket(Bucket=s3["bucket"])
            return "created"
    finally:
        client.close()


async def media_bucket(s3: dict[str, Any], access_key: str, secret_key: str) -> Check:
    try:
        outcome = await asyncio.to_thread(_ensure_bucket, s3, access_key, secret_key)
    except (ClientError, BotoCoreError) as exc:
        return Check(
            False, "BucketUnavailable", f"bucket {s3['bucket']}: {exc}; check media.s3 and its credentials"
        )
    return Check(True, "BucketReady", f"bucket {s3['bucket']} {outcome}")


def desired_webhook_settings(webhooks: dict[str, Any]) -> dict[str, Any]:
    statuses = webhooks.get("statuses", {})
    return {
        "webhooks": {
            "url": webhooks.get("url"),
            "max_concurrent_requests": webhooks.get("maxConcurrentRequests", 6),
            "message": {
                "sent": statuses.get("sent", False),
                "delivered": statuses.get("delivered", True),
                "read": statuses.get("read", True),
            },
        }
    }


async def configure_webhooks(base_url: str, password: str, webhooks: dict[str, Any]) -> Check:
    """Log in as admin (setting the generated password at first login), compare, PATCH on drift."""
    desired = desired_webhook_settings(webhooks)
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(base_url=base_url, timeout=timeout) as http:
        try:
            token = await _login(http, password)
            headers = {"Authorization": f"Bearer {token}"}
            async with http.get("/v1/settings/application", headers=headers) as answer:
                live = (await answer.json())["settings"]["application"]
            if _matches(live, desired):
                return Check(True, "InSync", "webhook settings match the spec")
            async with http.patch("/v1/settings/application", json=desired, headers=headers) as answer:
                if answer.status != 200:
                    return Check(
                        False, "Rejected", f"the WebApp refused the webhook settings: {await answer.text()}"
                    )
        except (aiohttp.ClientError, TimeoutError, KeyError) as exc:
            return Check(False, "WebAppUnreachable", f"cannot reach the WebApp at {base_url}: {exc}")
    return Check(True, "Applied", "webhook settings applied")


async def _login(http: aiohttp.ClientSession, password: str) -> str:
    auth = {"Authorization": aiohttp.encode_basic_auth("admin", password)}
    async with http.post("/v1/users/login", headers=auth) as answer:
        if answer.status == 200:
            return str((await answer.json())["users"][0]["token"])
    # First login: the built-in password must be replaced by the generated one.
    first = {"Authorization": aiohttp.encode_basic_auth("admin", "secret")}
    async with http.post("/v1/users/login", headers=first, json={"new_password": password}) as answer:
        answer.raise_for_status()
        return str((await answer.json())["users"][0]["token"])


def _matches(live: dict[str, Any], desired: dict[str, Any]) -> bool:
    return all(
        live.get(key) == value if not isinstance(value, dict) else _matches(live.get(key) or {}, value)
        for key, value in desired.items()
    )


def _delete_bucket(s3: dict[str, Any], access_key: str, secret_key: str) -> int:
    client = _s3_client(s3, access_key, secret_key)
    removed = 0
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=s3["bucket"]):
            keys: list[Any] = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=s3["bucket"], Delete={"Objects": keys})
                removed += len(keys)
        client.delete_bucket(Bucket=s3["bucket"])
    finally:
        client.close()
    return removed


async def delete_media_bucket(s3: dict[str, Any], access_key: str, secret_key: str) -> int:
    """Empty and remove the bucket (only for `media.deletionPolicy: Delete`); objects removed."""
    return await asyncio.to_thread(_delete_bucket, s3, access_key, secret_key)


async def apply_shards(base_url: str, password: str, shards: int) -> Check:
    """Shard count changes go through the WebApp's shard API, which moves leases safely."""
    async with aiohttp.ClientSession(base_url=base_url, timeout=aiohttp.ClientTimeout(total=15)) as http:
        try:
            headers = {"Authorization": f"Bearer {await _login(http, password)}"}
            async with http.get("/v1/support", headers=headers) as answer:
                support = (await answer.json())["support"]
            if support["shards"] == shards:
                return Check(True, "InSync", f"{shards} shards")
            account = support.get("account") or {}
            if account.get("state") != "registered":
                return Check(
                    False, "NotRegistered", "register the account (POST /v1/account) before changing shards"
                )
            body = {"cc": account["cc"], "phone_number": account["phone_number"], "shards": shards}
            async with http.post("/v1/account/shards", json=body, headers=headers) as answer:
                if answer.status != 201:
                    return Check(
                        False, "Rejected", f"the WebApp refused {shards} shards: {await answer.text()}"
                    )
        except (aiohttp.ClientError, TimeoutError, KeyError) as exc:
            return Check(False, "WebAppUnreachable", f"cannot reach the WebApp at {base_url}: {exc}")
    return Check(True, "Applied", f"shards changed to {shards}")
