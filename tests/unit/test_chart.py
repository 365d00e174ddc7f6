"""The Helm chart: lint, render, the values schema, least-privilege RBAC, hardened Deployment."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tooling.k8s_tools import ensure_tools

ROOT = Path(__file__).parents[2]
CHART = ROOT / "charts" / "wabiz-operator"


@pytest.fixture(scope="module")
def helm() -> Path:
    return ensure_tools()["helm"]


def render(helm: Path, *args: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [str(helm), "template", "wabiz", str(CHART), "--namespace", "wabiz-system", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def test_crd_copy_is_identical() -> None:
    assert (CHART / "crds" / "wabiz.io_whatsappclients.yaml").read_bytes() == (
        ROOT / "crds" / "wabiz.io_whatsappclients.yaml"
    ).read_bytes()


def test_lint_strict(helm: Path) -> None:
    result = subprocess.run([str(helm), "lint", "--strict", str(CHART)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unknown_values_are_rejected(helm: Path) -> None:
    result = subprocess.run(
        [str(helm), "template", "wabiz", str(CHART), "--set", "colour=red"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "colour" in result.stderr


def test_rendered_objects(helm: Path) -> None:
    kinds = {doc["kind"] for doc in render(helm)}
    assert kinds == {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment"}
    sample = render(helm, "--set", "sample.enabled=true")
    assert any(doc["kind"] == "WhatsAppClient" for doc in sample)


def test_rbac_has_no_wildcards(helm: Path) -> None:
    role = next(doc for doc in render(helm) if doc["kind"] == "ClusterRole")
    for rule in role["rules"]:
        for field in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule[field], rule


def test_operator_deployment_is_hardened(helm: Path) -> None:
    deployment = next(doc for doc in render(helm) if doc["kind"] == "Deployment")
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "Recreate"
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    container = pod["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["limits"]["memory"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    labels = deployment["metadata"]["labels"]
    assert {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version"} <= set(
        labels
    )
