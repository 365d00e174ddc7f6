"""Assertions shared by the cluster tier (kwok) and the kind e2e suite: same check, one place.

Each takes a `kubectl(*args, stdin=None, check=True) -> CompletedProcess` callable, which both
`ControlPlane.kubectl` and the e2e suite's `Kubectl` provide.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any, Protocol


class KubectlFn(Protocol):
    def __call__(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]: ...


def get(kubectl: KubectlFn, namespace: str, *what: str) -> Any:
    """The object(s) as JSON, or None when absent."""
    result = kubectl("get", *what, "-n", namespace, "-o", "json", check=False)
    return json.loads(result.stdout) if result.returncode == 0 else None


def condition(kubectl: KubectlFn, namespace: str, name: str, kind: str) -> str | None:
    obj = get(kubectl, namespace, "wac", name) or {}
    found = [c for c in (obj.get("status") or {}).get("conditions", []) if c["type"] == kind]
    return str(found[0]["status"]) if found else None


def nodes_by_component(kubectl: KubectlFn, namespace: str) -> dict[str, set[str]]:
    nodes: dict[str, set[str]] = {}
    for pod in get(kubectl, namespace, "pods")["items"]:
        component = pod["metadata"]["labels"].get("app.kubernetes.io/component", "?")
        nodes.setdefault(component, set()).add(pod["spec"].get("nodeName"))
    return nodes


def assert_database_alone(kubectl: KubectlFn, namespace: str, database_node: str | None = None) -> None:
    """The managed database runs on the database node, and no WebApp or CoreApp pod shares it."""
    nodes = nodes_by_component(kubectl, namespace)
    assert len(nodes["database"]) == 1, nodes
    if database_node is not None:
        assert nodes["database"] == {database_node}, nodes
    assert not nodes["database"] & (nodes.get("webapp", set()) | nodes.get("coreapp", set())), nodes


def assert_spread(kubectl: KubectlFn, namespace: str, component: str) -> None:
    """Replicas of a component on different nodes (as many nodes as replicas, up to the nodes)."""
    nodes = nodes_by_component(kubectl, namespace)
    pods = [
        p
        for p in get(kubectl, namespace, "pods")["items"]
        if p["metadata"]["labels"].get("app.kubernetes.io/component") == component
    ]
    assert len(nodes[component]) >= min(len(pods), 2), nodes
