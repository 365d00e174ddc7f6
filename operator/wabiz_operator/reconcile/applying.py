"""Writing children: never over an object the operator did not create, never into an immutable
field, and a workload's pods only when `rollout.plan` says so."""

from __future__ import annotations

from wabiz_operator import rollout
from wabiz_operator.client import Client
from wabiz_operator.errors import ReconcileError, classify
from wabiz_operator.kube import KubeError
from wabiz_operator.pruning import controller_uid
from wabiz_operator.reconcile.context import Context, Obj
from wabiz_operator.resources.common import INSTANCE, MANAGED_BY, MANAGED_BY_LABEL


def describe(obj: Obj) -> str:
    return f"{obj['kind']} {obj['metadata']['name']}"


def is_ours(live: Obj, client: Client) -> bool:
    """Created by this operator for this client: owned by it, or — after the client was deleted and
    created again under the same name — labelled for it with no other controller."""
    owner = controller_uid(live)
    if owner is not None:
        return owner == client.uid
    labels = live["metadata"].get("labels") or {}
    return labels.get(MANAGED_BY_LABEL) == MANAGED_BY and labels.get(INSTANCE) == client.name


async def read(ctx: Context, obj: Obj) -> Obj | None:
    meta = obj["metadata"]
    try:
        return await ctx.kube.get(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])
    except KubeError as exc:
        raise classify(exc, f"read {describe(obj)}") from exc


def guard(live: Obj | None, client: Client, obj: Obj) -> None:
    if live is not None and not is_ours(live, client):
        raise ReconcileError(
            "NameConflict",
            f"{describe(obj)} exists and was not created by wabiz for this client; "
            "rename or remove it (the operator never takes over objects it did not create)",
            permanent=True,
        )


async def write(ctx: Context, obj: Obj) -> Obj:
    try:
        return await ctx.kube.apply(obj)
    except KubeError as exc:
        raise classify(exc, f"apply {describe(obj)}") from exc


async def apply(ctx: Context, client: Client, obj: Obj) -> Obj:
    guard(await read(ctx, obj), client, obj)
    return await write(ctx, obj)


async def apply_workload(ctx: Context, client: Client, desired: Obj, inputs: str) -> Obj:
    """Apply a Deployment or StatefulSet, or leave an older operator's rendering in place."""
    live = await read(ctx, desired)
    guard(live, client, desired)
    desired = rollout.keep_immutable(desired, live)
    if live is not None and rollout.plan(desired, live, ctx.operator_version, inputs) is rollout.Plan.DEFER:
        stamp = rollout.adoption_stamp(live, inputs)
        if stamp is None:
            return live
        meta = live["metadata"]
        try:
            return await ctx.kube.merge_patch(
                desired["apiVersion"], desired["kind"], meta["namespace"], meta["name"], stamp
            )
        except KubeError as exc:
            raise classify(exc, f"annotate {describe(desired)}") from exc
    return await write(ctx, rollout.annotate(desired, ctx.operator_version, inputs))
