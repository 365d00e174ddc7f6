"""A client's CloudNativePG database: CloudNativePG present, its objects applied, its state read.

Without CloudNativePG's CRDs (or the Barman Cloud plugin's, when backups are on) nothing can be
applied: the pass fails with `DatabaseReady=False` and a reason naming what to install
(`CloudNativePGMissing`, `BarmanCloudPluginMissing`), retried with the permanent-error backoff, so
installing it later is picked up without a restart. The base-backup schedule is applied once the
database is up, so its immediate first backup does not race the bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass

from wabiz_operator.client import Client
from wabiz_operator.errors import ReconcileError
from wabiz_operator.kube import decode_secret
from wabiz_operator.reconcile.applying import apply, read
from wabiz_operator.reconcile.context import Context, Obj
from wabiz_operator.resources import cnpg
from wabiz_operator.status import Check, cluster_check

CLUSTERS_CRD = "clusters.postgresql.cnpg.io"
OBJECT_STORES_CRD = "objectstores.barmancloud.cnpg.io"


@dataclass(frozen=True)
class Database:
    objects: list[Obj]  # what the spec wants (for pruning)
    check: Check  # DatabaseReady
    credentials: dict[str, str] | None  # the `<cluster>-app` Secret's data, once the database is up
    status: Obj  # status.database


async def _require(ctx: Context, crd: str, reason: str, install: str) -> None:
    shape = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": crd},
    }
    if await read(ctx, shape) is None:
        message = f"the CRD {crd} is missing: {install} (docs/operator.md, CloudNativePG)"
        raise ReconcileError(
            reason, message, permanent=True, observed={"DatabaseReady": Check(False, reason, message)}
        )


async def _credentials(ctx: Context, client: Client) -> dict[str, str] | None:
    name = cnpg.app_secret_name(client)
    secret = await read(
        ctx, {"apiVersion": "v1", "kind": "Secret", "metadata": {"namespace": client.namespace, "name": name}}
    )
    return decode_secret(secret) if secret is not None else None


def _status(client: Client, cluster: Obj) -> Obj:
    live = cluster.get("status") or {}
    status = {
        "cluster": cnpg.cluster_name(client),
        "primary": live.get("currentPrimary") or "",
        "instances": f"{live.get('readyInstances') or 0}/{cluster['spec']['instances']}",
    }
    if client.spec.database.cloudnativepg and client.spec.database.cloudnativepg.backup.enabled:
        status |= {
            "serverName": cnpg.server_name(client),
            "backupDestination": cnpg.backup_destination(client),
        }
    return status


async def ensure(ctx: Context, client: Client) -> Database:
    spec = client.spec.database.cloudnativepg
    assert spec is not None  # cloudnativepg mode
    await _require(ctx, CLUSTERS_CRD, "CloudNativePGMissing", "install CloudNativePG")
    if spec.backup.enabled or spec.restore is not None:
        await _require(ctx, OBJECT_STORES_CRD, "BarmanCloudPluginMissing", "install the Barman Cloud plugin")
    stores = cnpg.build_object_stores(client)
    for store in stores:
        await apply(ctx, client, store)
    cluster = await apply(ctx, client, cnpg.build_cluster(client))
    schedule = cnpg.build_scheduled_backup(client)
    check, credentials = cluster_check(cluster), None
    if check.ok:
        credentials = await _credentials(ctx, client)
        if credentials is None:
            check = Check(
                False,
                "DatabaseStarting",
                f"waiting for CloudNativePG's Secret {cnpg.app_secret_name(client)}",
            )
        elif schedule is not None:
            await apply(ctx, client, schedule)
    wanted = [*stores, cluster, *([schedule] if schedule is not None else [])]
    return Database(wanted, check, credentials, _status(client, cluster))
