"""One reconcile pass: desired children applied in order, dependencies checked, status computed.

Order: generated Secrets and the user's referenced Secrets; the ConfigMap and NetworkPolicies; the
database (managed StatefulSet or CloudNativePG Cluster) and its check; the bucket check; the
migration Job for the image the client should run; the app workloads (on the new image only once
its migration succeeded, else on the one already running, and not touched at all while that
migration runs, so a spec that changes the version and anything else rolls the pods once);
the WebApp's settings; pruning of what the spec no longer wants. Errors raise `ReconcileError`
(see `errors.py`); the caller writes them into the status and schedules the retry.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from wabiz_operator import versions
from wabiz_operator.client import Client
from wabiz_operator.reconcile import (
    cloudnativepg,
    dependencies,
    migrations,
    observing,
    prune,
    secrets,
    settings,
    workloads,
)
from wabiz_operator.reconcile.applying import apply, apply_workload
from wabiz_operator.reconcile.context import Context, Obj, Pass
from wabiz_operator.reconcile.references import legacy_grandfathering, read_references
from wabiz_operator.resources import cnpg, database
from wabiz_operator.resources.common import image_tag
from wabiz_operator.resources.configmap import build_configmap, webapp_url
from wabiz_operator.resources.networkpolicy import build_network_policies
from wabiz_operator.resources.secrets import database_secret_name, generated_secret_name
from wabiz_operator.rollout import inputs_fingerprint
from wabiz_operator.status import Check, conditions

__all__ = ["Context", "Outcome", "reconcile"]


@dataclass(frozen=True)
class Outcome:
    status: Obj
    moving: list[str]
    pruned: list[str]


async def _database_children(ctx: Context, client: Client) -> list[Obj]:
    """The managed database's children (none in the other modes)."""
    init, service, statefulset = (
        database.build_database_init(client),
        database.build_database_service(client),
        database.build_database_statefulset(client),
    )
    if init is None or service is None or statefulset is None:
        return []
    await apply(ctx, client, init)
    await apply(ctx, client, service)
    await apply_workload(
        ctx,
        client,
        statefulset,
        inputs_fingerprint(database_spec(client), statefulset_image(statefulset), {}),
    )
    return [init, service, statefulset]


async def _database(
    ctx: Context, p: Pass, referenced: dict[str, dict[str, str]], secret_data: dict[str, dict[str, str]]
) -> list[Obj]:
    """The database's children (returned, for pruning) and `DatabaseReady`; CloudNativePG's
    credentials join `secret_data` (the pods' checksums) once it made them."""
    client = p.client
    if client.spec.database.cloudnativepg is not None:
        found = await cloudnativepg.ensure(ctx, client)
        p.checks["DatabaseReady"], p.status["database"] = found.check, found.status
        if found.credentials is not None:
            secret_data[cnpg.app_secret_name(client)] = found.credentials
        wanted = found.objects
    else:
        wanted = await _database_children(ctx, client)
        p.checks["DatabaseReady"] = await dependencies.check_database(ctx, client, referenced)
    if client.spec.database.mode != "external" and not p.checks["DatabaseReady"].ok:
        p.wait(f"the {client.spec.database.mode} database")
    return wanted


def database_spec(client: Client) -> Obj:
    """What the database pod is built from: an operand upgrade or a webhook change must not
    restart the database."""
    managed = client.spec.database.managed
    return managed.model_dump(by_alias=True) if managed is not None else {}


def statefulset_image(statefulset: Obj) -> str:
    return str(statefulset["spec"]["template"]["spec"]["containers"][0]["image"])


async def _serving_image(ctx: Context, p: Pass) -> str | None:
    """The image the workloads run after this pass: the desired one once migrated, else the one
    running now (None for a client that never ran)."""
    client = p.client
    live = observing.running_image(await observing.workload(ctx, client, "Deployment", "webapp"))
    current = client.status.get("image") or live
    if not p.checks["DatabaseReady"].ok:
        return current
    image = versions.desired_image(client.spec, client.status, live, ctx.operator_version)
    adopted = live == image and not client.status.get("migration")
    if await migrations.migrate(ctx, p, image, adopted):
        return image
    return current


def _migrating_to_another(p: Pass, image: str) -> bool:
    """A migration for a new image is running while the workloads stay on `image`."""
    migration = p.status.get("migration") or {}
    return migration.get("state") == "Running" and migration.get("image") != image


async def reconcile(ctx: Context, client: Client) -> Outcome:
    legacy = legacy_grandfathering(client)
    if legacy is not None:
        client = dataclasses.replace(client, status={**client.status, "grandfatheredSecrets": legacy})
    p = Pass(client)
    if "grandfatheredSecrets" in client.status:
        p.status["grandfatheredSecrets"] = client.status["grandfatheredSecrets"]
    generated = await secrets.ensure(ctx, client)
    referenced = await read_references(ctx, client)
    secret_data = {generated_secret_name(client): generated.values, **referenced}
    if generated.database is not None:
        secret_data[database_secret_name(client)] = generated.database
    # Policies first: nothing of the client's runs a moment without them.
    foundation = [build_configmap(client), *build_network_policies(client, ctx.cnpg_namespace)]
    for obj in foundation:
        await apply(ctx, client, obj)
    wanted = [*foundation, *await _database(ctx, p, referenced, secret_data)]
    p.checks["MediaReady"] = await dependencies.check_media(client, referenced)
    image = await _serving_image(ctx, p)
    if p.status.get("migration", {}).get("job"):
        wanted.append({"kind": "Job", "metadata": {"name": p.status["migration"]["job"]}})
    if image:
        wanted += await workloads.apply_workloads(ctx, p, image, secret_data, _migrating_to_another(p, image))
        p.status |= {"image": image, "version": image_tag(image)}
    await observing.observe(ctx, p)
    await settings.apply_settings(ctx, p, generated.values)
    # A client that never ran has nothing to prune, and without an image its workloads are unknown.
    pruned = await prune.prune(ctx, p, wanted) if image else []
    previous = list(client.status.get("conditions") or [])
    p.checks["Reconciled"] = Check(True, "Applied", "the whole spec is applied")
    p.checks["Progressing"] = _progressing(p)
    p.status |= {
        "observedGeneration": client.generation,
        "conditions": conditions(p.checks, client.generation, previous),
        "databaseMode": client.spec.database.mode,
        "endpoint": webapp_url(client),
        "webhookSecret": _webhook_secret(client),
    }
    return Outcome(p.status, p.moving, pruned)


def _progressing(p: Pass) -> Check:
    if p.moving:
        return Check(True, "InProgress", "waiting for " + ", ".join(p.moving))
    return Check(False, "Stable", "nothing in flight")


def _webhook_secret(client: Client) -> Obj:
    ref = client.spec.webhooks.secret_ref
    if ref is not None:
        return {"name": ref.name, "key": ref.key}
    return {"name": generated_secret_name(client), "key": "webhook-secret"}
