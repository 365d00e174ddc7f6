"""The Helm chart: lint, render, the values schema, least-privilege RBAC, hardened Deployment."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tooling.k8s_tools import ensure_tools
from wabiz import __version__

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
    assert kinds == {
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "Service",
        "Deployment",
    }
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
    assert spec["replicas"] == 2, "a standby waits on the leader Lease"
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
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


def test_versions_agree() -> None:
    """The chart's appVersion, the package and the CRD's stamp move together on each release."""
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    crd = yaml.safe_load((ROOT / "crds" / "wabiz.io_whatsappclients.yaml").read_text())
    assert chart["appVersion"] == __version__ == crd["metadata"]["annotations"]["wabiz.io/version"]


def test_the_operator_gets_the_charts_crd(helm: Path) -> None:
    docs = render(helm)
    config = next(doc for doc in docs if doc["kind"] == "ConfigMap")
    assert config["data"]["whatsappclients.yaml"] == (
        ROOT / "crds" / "wabiz.io_whatsappclients.yaml"
    ).read_text().rstrip("\n")
    container = next(doc for doc in docs if doc["kind"] == "Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["WABIZ_OPERATOR_CRD_FILE"]["value"].startswith("/etc/wabiz-operator/crd/")
    assert env["WABIZ_OPERATOR_LEASE_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"


def test_metrics_are_exposed(helm: Path) -> None:
    docs = render(helm)
    service = next(doc for doc in docs if doc["kind"] == "Service")
    assert service["spec"]["ports"][0]["name"] == "metrics"
    container = next(doc for doc in docs if doc["kind"] == "Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["ports"][0]["name"] == "metrics"


def rules_by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [rule for doc in docs if doc["kind"] == kind for rule in doc["rules"]]


def test_no_secret_verb_it_does_not_use(helm: Path) -> None:
    for rule in rules_by_kind(render(helm), "ClusterRole"):
        if "secrets" in rule["resources"]:
            assert not {"list", "watch", "update", "deletecollection"} & set(rule["verbs"]), rule
        if "customresourcedefinitions" in rule["resources"] and "patch" in rule["verbs"]:
            assert rule["resourceNames"] == ["whatsappclients.wabiz.io"], "patches only its own CRD"


def test_namespaced_rbac_mode(helm: Path) -> None:
    docs = render(helm, "--set", "watchNamespaces={shop,bank}")
    roles = [
        doc for doc in docs if doc["kind"] == "Role" and doc["metadata"]["namespace"] in ("shop", "bank")
    ]
    assert {role["metadata"]["namespace"] for role in roles} == {"shop", "bank"}
    cluster_rules = rules_by_kind(docs, "ClusterRole")
    assert all(rule["apiGroups"] == ["apiextensions.k8s.io"] for rule in cluster_rules), cluster_rules
    bindings = [
        doc for doc in docs if doc["kind"] == "RoleBinding" and doc["metadata"]["namespace"] == "shop"
    ]
    assert bindings[0]["subjects"][0]["namespace"] == "wabiz-system"


def test_cloudnativepg_rules_and_setting(helm: Path) -> None:
    docs = render(helm, "--set", "cloudnativepg.operatorNamespace=postgres-operator")
    rules = {
        (group, resource): set(rule["verbs"])
        for rule in rules_by_kind(docs, "ClusterRole")
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    assert rules[("postgresql.cnpg.io", "clusters")] == {"get", "create", "patch"}, "never listed or deleted"
    assert rules[("postgresql.cnpg.io", "scheduledbackups")] == {"get", "list", "create", "patch", "delete"}
    assert rules[("barmancloud.cnpg.io", "objectstores")] == {"get", "list", "create", "patch", "delete"}
    assert ("postgresql.cnpg.io", "backups") not in rules, "backups are CloudNativePG's to make"
    container = next(doc for doc in docs if doc["kind"] == "Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["WABIZ_OPERATOR_CNPG_NAMESPACE"] == "postgres-operator"
