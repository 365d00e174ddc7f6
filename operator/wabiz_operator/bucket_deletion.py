"""`media.deletionPolicy: Delete`: the bucket goes with the client.

The rule when its credentials are gone (usual when a whole namespace is deleted, its Secrets
first): the client is let go, the bucket is left in place, and a Warning Event plus a log line
name it for a person to delete. A finalizer that waits for credentials that will never come back
would keep the namespace `Terminating` forever. A bucket already gone counts as deleted.
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from wabiz_operator.buckets import delete_bucket
from wabiz_operator.client import Client
from wabiz_operator.errors import ReconcileError
from wabiz_operator.kube import KubeError
from wabiz_operator.reconcile.context import Context
from wabiz_operator.reconcile.dependencies import bucket_access
from wabiz_operator.reconcile.references import media_references, read_references

log = logging.getLogger(__name__)


async def _say(ctx: Context, client: Client, reason: str, message: str, warning: bool) -> None:
    (log.warning if warning else log.info)("%s/%s: %s", client.namespace, client.name, message)
    try:
        await ctx.kube.event(client.reference, reason, message, warning)
    except KubeError as exc:  # a terminating namespace refuses new Events
        log.info("%s/%s: event %s not posted: %s", client.namespace, client.name, reason, exc)


async def delete_client_bucket(ctx: Context, client: Client) -> None:
    s3 = client.spec.media.s3
    where = f"bucket {s3.bucket}" + (f" at {s3.endpoint}" if s3.endpoint else "")
    try:
        referenced = await read_references(ctx, client, media_references(client.spec))
    except ReconcileError as exc:
        if not exc.permanent:
            raise
        await _say(
            ctx,
            client,
            "BucketRetained",
            f"{where} was NOT deleted: its credentials are gone ({exc.message}); delete it by hand",
            True,
        )
        return
    try:
        removed = await delete_bucket(bucket_access(client, referenced))
    except (ClientError, BotoCoreError) as exc:
        raise ReconcileError("BucketDeletionFailed", f"{where}: {exc}", permanent=False) from exc
    if removed is None:
        await _say(ctx, client, "BucketGone", f"{where} was already gone", False)
    else:
        await _say(ctx, client, "BucketDeleted", f"{where} deleted with {removed} object versions", False)
