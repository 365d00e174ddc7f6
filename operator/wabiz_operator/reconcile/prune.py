"""Deleting the children the spec no longer wants (the selection itself is `pruning.py`)."""

from __future__ import annotations

from wabiz_operator.errors import classify
from wabiz_operator.kube import KubeError
from wabiz_operator.pruning import prunable_kinds, unwanted
from wabiz_operator.reconcile.context import Context, Obj, Pass
from wabiz_operator.resources.common import INSTANCE, MANAGED_BY, MANAGED_BY_LABEL


async def prune(ctx: Context, p: Pass, wanted: list[Obj]) -> list[str]:
    """Deletes unwanted children; returns `Kind/name` of each deleted one."""
    client, deleted = p.client, []
    selector = {INSTANCE: client.name, MANAGED_BY_LABEL: MANAGED_BY}
    for api_version, kind in prunable_kinds(client.spec.database.mode):
        names = {o["metadata"]["name"] for o in wanted if o["kind"] == kind}
        try:
            live = await ctx.kube.list(api_version, kind, client.namespace, selector)
            for name in unwanted(live, names, client.uid):
                await ctx.kube.delete(api_version, kind, client.namespace, name)
                deleted.append(f"{kind}/{name}")
        except KubeError as exc:
            raise classify(exc, f"prune {kind} objects") from exc
    return deleted
