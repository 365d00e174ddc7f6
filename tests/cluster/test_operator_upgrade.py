"""`helm upgrade` from the previous release over running clients: nothing restarts, nothing fails.

The previous chart, CRD and operator come out of git history (`operators.previous_release`). Its
operator brings up a managed-database client and an external-database one; then the chart is
upgraded and this tree's operator takes over. No pod may be re-created while the operand version
stays; the CRD must be the new one; an operand upgrade then runs its migration once and rolls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.operators import (
    CHART,
    CRD,
    Account,
    Operator,
    conditions,
    create_external_client,
    create_managed_client,
    get,
    helm,
    patch_spec,
    pod_uids,
    previous_release,
    s3_secret,
    settled,
    start_operator,
)
from tests.tooling.control_plane import ControlPlane
from tests.tooling.waiting import eventually
from wabiz.local.postgres import EmbeddedPostgres
from wabiz.local.s3 import LocalS3

RELEASE, SYSTEM = "up", "upgrade-system"
ACCOUNT = Account("up-wabiz-operator", SYSTEM)
COMPONENTS = ("webapp", "coreapp", "sandbox", "database")
OLD_IMAGE, NEW_IMAGE = "ghcr.io/wabiz/wabiz:0.1.0", "ghcr.io/wabiz/wabiz:0.2.0"


def ready(cluster: ControlPlane, namespace: str, name: str) -> bool:
    return conditions(cluster, namespace, name).get("Ready", {}).get("status") == "True"


def workloads(cluster: ControlPlane, namespace: str) -> dict[str, Any]:
    """Every workload's pod template, which no reconcile may touch. (Not the generation: the new
    operator records its inputs in an annotation, and a Deployment counts annotations as spec.)"""
    found: dict[str, Any] = {}
    for kind in ("deployments", "statefulsets"):
        for item in get(cluster, namespace, kind)["items"]:
            found[f"{kind}/{item['metadata']['name']}"] = item["spec"]["template"]
    return found


def rendered_images(cluster: ControlPlane, namespace: str, name: str) -> list[str]:
    """The images of the client's ReplicaSets (WebApp, sandbox) that this operator rendered (0.1.0
    set no checksum annotation), one per roll."""
    found = []
    for item in get(cluster, namespace, "replicasets")["items"]:
        labels = item["metadata"].get("labels") or {}
        template = item["spec"]["template"]
        annotations = template["metadata"].get("annotations") or {}
        if labels.get("app.kubernetes.io/instance") == name and "wabiz.io/config-checksum" in annotations:
            found.append(template["spec"]["containers"][0]["image"])
    return found


def passes(operator: Operator, namespace: str, name: str) -> float:
    return operator.metric("wabiz_operator_reconciles_total", namespace=namespace, name=name)


@pytest.mark.timeout(900)
def test_helm_upgrade_from_the_previous_release(
    cluster: ControlPlane, namespace: str, s3: LocalS3, postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    previous = previous_release(tmp_path)
    # The cluster as the previous release left it: its CRD (installed from its chart's crds/).
    cluster.kubectl("replace", "-f", str(previous / "crds" / "wabiz.io_whatsappclients.yaml"))
    try:
        helm(
            cluster,
            "install",
            RELEASE,
            str(previous / "charts" / "wabiz-operator"),
            "-n",
            SYSTEM,
            "--create-namespace",
        )
        old = start_operator(cluster, tmp_path / "old", source=previous, account=ACCOUNT)
        try:
            s3_secret(cluster, namespace, shared=False)  # 0.1.0 asked for no label
            create_managed_client(cluster, namespace, s3)
            create_external_client(
                cluster,
                namespace,
                s3,
                postgres,
                database=f"up_{namespace}",
                media_secret="media-credentials",
                shared=False,
            )
            for name in ("acme", "ext"):
                eventually(
                    lambda name=name: ready(cluster, namespace, name),
                    timeout=150,
                    what=f"{name} Ready (0.1.0)",
                )
            eventually(lambda: pod_uids(cluster, namespace, "database"), timeout=60, what="the database pod")
        finally:
            old.stop()
        pods = {component: pod_uids(cluster, namespace, component) for component in COMPONENTS}
        before = workloads(cluster, namespace)

        helm(cluster, "upgrade", RELEASE, str(CHART), "-n", SYSTEM)
        new = start_operator(
            cluster, tmp_path / "new", account=ACCOUNT, env={"WABIZ_OPERATOR_CRD_FILE": str(CRD)}
        )
        try:
            crd = yaml.safe_load(
                cluster.kubectl("get", "crd", "whatsappclients.wabiz.io", "-o", "yaml").stdout
            )
            assert (
                "updatePolicy"
                in crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
            )
            for name in ("acme", "ext"):
                eventually(
                    lambda name=name: settled(cluster, namespace, name),
                    timeout=150,
                    what=f"{name} reconciled by the new operator",
                )
                status = get(cluster, namespace, "wac", name)["status"]
                assert status["version"] == "0.1.0" and status["image"] == OLD_IMAGE, "the operand stays"
                mark = passes(new, namespace, name)
                eventually(
                    lambda name=name, mark=mark: passes(new, namespace, name) >= mark + 3,
                    timeout=60,
                    what="more passes",
                )
            assert get(cluster, namespace, "wac", "acme")["status"]["grandfatheredSecrets"] == [
                "media-credentials"
            ]
            assert {component: pod_uids(cluster, namespace, component) for component in COMPONENTS} == pods
            assert workloads(cluster, namespace) == before, "no workload was rewritten"

            # An operand upgrade that changes the configuration too: its migration once, then the
            # pods roll once, to the new image with the new configuration.
            patch_spec(
                cluster, namespace, "acme", {"image": {"tag": "0.2.0"}, "webhooks": {"allowInsecure": True}}
            )
            eventually(
                lambda: get(cluster, namespace, "wac", "acme")["status"].get("version") == "0.2.0",
                timeout=150,
                what="acme on 0.2.0",
            )
            jobs = [
                j
                for j in get(cluster, namespace, "jobs")["items"]
                if j["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":0.2.0")
            ]
            assert len(jobs) == 1 and jobs[0]["status"].get("succeeded") == 1
            eventually(
                lambda: not pod_uids(cluster, namespace, "webapp", "acme") & pods["webapp"],
                timeout=150,
                what="rolled",
            )
            assert rendered_images(cluster, namespace, "acme") == [NEW_IMAGE] * 2, (
                "one roll of the WebApp and the sandbox each, to the new image: none on the old one first"
            )

            assert pod_uids(cluster, namespace, "webapp", "ext") <= pods["webapp"], "ext stays on 0.1.0"
            # The previous operator put its finalizer on every client; deleting one must not hang.
            cluster.kubectl("delete", "wac", "ext", "-n", namespace, "--wait=true", "--timeout=60s")
        finally:
            new.stop()
    finally:
        helm(cluster, "uninstall", RELEASE, "-n", SYSTEM, check=False)
        cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRD))
