"""How the workloads are doing: ready replicas, rollouts still in flight, the image they run."""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.reconcile.applying import read
from wabiz_operator.reconcile.context import Context, Obj, Pass
from wabiz_operator.resources.common import selector_labels
from wabiz_operator.status import replicas_check


async def workload(ctx: Context, client: Client, kind: str, component: str) -> Obj | None:
    return await read(
        ctx,
        {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": {"namespace": client.namespace, "name": client.child(component)},
        },
    )


def running_image(live: Obj | None) -> str | None:
    if live is None:
        return None
    containers = live["spec"]["template"]["spec"].get("containers") or []
    return str(containers[0]["image"]) if containers else None


def _rolling(live: Obj) -> bool:
    status = live.get("status") or {}
    desired = int(live["spec"].get("replicas") or 0)
    return int(status.get("observedGeneration") or 0) < int(live["metadata"].get("generation") or 0) or (
        int(status.get("updatedReplicas") or 0) < desired
    )


async def observe(ctx: Context, p: Pass) -> None:
    client = p.client
    webapp = await workload(ctx, client, "Deployment", "webapp")
    coreapp = await workload(ctx, client, "StatefulSet", "coreapp")
    webapp_ready = int(((webapp or {}).get("status") or {}).get("readyReplicas") or 0)
    coreapp_ready = int(((coreapp or {}).get("status") or {}).get("readyReplicas") or 0)
    webapp_desired, coreapp_desired = client.spec.webapp.replicas, client.spec.coreapp.desired_replicas
    if "WebAppAvailable" not in p.checks:
        p.checks["WebAppAvailable"] = replicas_check("WebApp", webapp_ready, webapp_desired)
    if "CoreAppAvailable" not in p.checks:
        p.checks["CoreAppAvailable"] = replicas_check("CoreApp", coreapp_ready, coreapp_desired)
    for name, live, ready, wanted in (
        ("WebApp", webapp, webapp_ready, webapp_desired),
        ("CoreApp", coreapp, coreapp_ready, coreapp_desired),
    ):
        if live is not None and (_rolling(live) or ready < wanted):
            p.wait(f"{name} rollout")
    p.status |= {
        "coreappReplicas": coreapp_ready,
        "coreappSelector": ",".join(f"{k}={v}" for k, v in selector_labels(client, "coreapp").items()),
        "coreapps": f"{coreapp_ready}/{coreapp_desired}",
        "webapp": f"{webapp_ready}/{webapp_desired}",
    }
