"""`helm install` of the chart into the real API server; `helm uninstall` keeps CRD and resources."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.cluster.conftest import ROOT
from tests.tooling.control_plane import ControlPlane
from tests.tooling.k8s_tools import ensure_tools
from tests.tooling.waiting import eventually


def helm(cluster: ControlPlane, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ensure_tools()["helm"]), f"--kubeconfig={cluster.kubeconfig}", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_install_and_uninstall(cluster: ControlPlane, namespace: str) -> None:
    chart: Path = ROOT / "charts" / "wabiz-operator"
    installed = helm(cluster, "install", "op", str(chart), "-n", namespace)
    assert installed.returncode == 0, installed.stderr
    assert "Next steps" in installed.stdout

    def available() -> bool:
        result = cluster.kubectl(
            "get", "deployment", "op-wabiz-operator", "-n", namespace, "-o", "json", check=False
        )
        status = json.loads(result.stdout).get("status", {}) if result.returncode == 0 else {}
        return status.get("availableReplicas", 0) >= 1  # the chart runs two (leader and standby)

    eventually(available, timeout=90, what="the operator Deployment available (kwok runs its pod)")
    mine = yaml.safe_load((ROOT / "crds" / "examples" / "external.yaml").read_text())
    cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(mine))
    uninstalled = helm(cluster, "uninstall", "op", "-n", namespace)
    assert uninstalled.returncode == 0, uninstalled.stderr
    assert cluster.kubectl("get", "crd", "whatsappclients.wabiz.io", check=False).returncode == 0, (
        "the CRD stays"
    )
    assert cluster.kubectl("get", "wac", "globex", "-n", namespace, check=False).returncode == 0, (
        "user resources stay"
    )
    assert (
        cluster.kubectl("get", "deployment", "op-wabiz-operator", "-n", namespace, check=False).returncode
        != 0
    )
