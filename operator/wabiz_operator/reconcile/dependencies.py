"""What the client stands on: its database and its media bucket, checked on every pass."""

from __future__ import annotations

from wabiz_operator.addresses import qualified_host, qualified_url
from wabiz_operator.buckets import BucketAccess, ensure_bucket
from wabiz_operator.client import Client
from wabiz_operator.external_database import ensure_database
from wabiz_operator.reconcile.applying import read
from wabiz_operator.reconcile.context import Context
from wabiz_operator.resources.secrets import database_secret_name
from wabiz_operator.status import Check


async def ready_replicas(ctx: Context, client: Client, kind: str, name: str) -> int:
    live = await read(
        ctx,
        {"apiVersion": "apps/v1", "kind": kind, "metadata": {"namespace": client.namespace, "name": name}},
    )
    return int(((live or {}).get("status") or {}).get("readyReplicas") or 0)


async def check_database(ctx: Context, client: Client, referenced: dict[str, dict[str, str]]) -> Check:
    external = client.spec.database.external
    if external is None:
        if await ready_replicas(ctx, client, "StatefulSet", database_secret_name(client)):
            return Check(True, "DatabaseRunning", "the managed PostgreSQL is ready")
        return Check(
            False,
            "DatabaseStarting",
            "the managed PostgreSQL pod is not ready; does a node carry the database label?",
        )
    ref = external.credentials_secret_ref
    credentials = referenced[ref.name]
    host = qualified_host(external.host, client.namespace)
    return await ensure_database(external, host, credentials[ref.username_key], credentials[ref.password_key])


def bucket_access(client: Client, referenced: dict[str, dict[str, str]]) -> BucketAccess:
    """The bucket as the client's pods reach it (a short Service name is in the client's namespace)."""
    s3 = client.spec.media.s3
    ref = s3.credentials_secret_ref
    credentials = referenced[ref.name]
    endpoint = qualified_url(s3.endpoint, client.namespace) if s3.endpoint else None
    return BucketAccess(
        endpoint,
        s3.bucket,
        s3.region,
        credentials[ref.access_key_id_key],
        credentials[ref.secret_access_key_key],
    )


async def check_media(client: Client, referenced: dict[str, dict[str, str]]) -> Check:
    return await ensure_bucket(bucket_access(client, referenced), client.spec.media.s3.create)
