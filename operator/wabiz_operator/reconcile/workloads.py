"""The app workloads (sandbox, CoreApps, WebApp) with their Services, Ingress and budgets.

Each pod template carries the checksum of what its container reads, so a changed ConfigMap value
or Secret rolls exactly the components that read it; workloads of an older operator are left as
they are until the user changes something (`rollout.py`).
"""

from __future__ import annotations

from wabiz_operator import rollout
from wabiz_operator.client import Client
from wabiz_operator.reconcile.applying import apply, apply_workload
from wabiz_operator.reconcile.context import Context, Obj, Pass
from wabiz_operator.resources import coreapp, pdb, sandbox, webapp
from wabiz_operator.resources.configmap import secret_refs, settings
from wabiz_operator.resources.containers import Operand

COMPONENTS = ("sandbox", "coreapp", "webapp")


def operand(client: Client, component: str, image: str, secrets: dict[str, dict[str, str]]) -> Operand:
    values = {ref.env: secrets.get(ref.secret, {}).get(ref.key, "") for ref in secret_refs(client, component)}
    return Operand(image, rollout.config_checksum(settings(client), values))


def app_inputs(client: Client) -> Obj:
    """What the app workloads are rendered from, less the version request (`image.tag`,
    `updatePolicy`): the image they run stands for it and moves only once its migration succeeded,
    so raising the tag does not first re-render them on the old image (a roll for nothing)."""
    return client.spec.model_dump(by_alias=True, exclude={"update_policy": True, "image": {"tag"}})


def desired(client: Client, operands: dict[str, Operand]) -> tuple[list[Obj], list[Obj]]:
    """(workloads, the rest), each in apply order; absent children (no sandbox) left out."""
    workloads = [
        sandbox.build_sandbox_deployment(client, operands["sandbox"]),
        coreapp.build_coreapp_statefulset(client, operands["coreapp"]),
        webapp.build_webapp_deployment(client, operands["webapp"]),
    ]
    rest = [
        sandbox.build_sandbox_service(client),
        coreapp.build_coreapp_service(client),
        webapp.build_webapp_service(client),
        webapp.build_webapp_ingress(client),
        pdb.build_webapp_pdb(client),
        pdb.build_coreapp_pdb(client),
    ]
    return [w for w in workloads if w is not None], [o for o in rest if o is not None]


async def apply_workloads(
    ctx: Context, p: Pass, image: str, secrets: dict[str, dict[str, str]], hold: bool
) -> list[Obj]:
    """Apply everything; returns the desired objects (for pruning). `hold`: a migration to a new
    image is running, so the workloads are left as they are: what else the spec changed rolls
    with the new image, in one roll, instead of first on the old one (and the pods the network's
    stand-in, the sandbox, keeps state in would be replaced twice)."""
    client = p.client
    operands = {c: operand(client, c, image, secrets) for c in COMPONENTS}
    inputs = rollout.inputs_fingerprint(app_inputs(client), image, secrets)
    workloads, rest = desired(client, operands)
    for obj in rest:
        await apply(ctx, client, obj)
    if not hold:
        for obj in workloads:
            await apply_workload(ctx, client, obj, inputs)
    return workloads + rest
