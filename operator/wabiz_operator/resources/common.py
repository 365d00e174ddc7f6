"""Names, labels, owner references, security contexts and placement shared by the builders.

Labels on objects never carry a version: they are copied into selectors and claim templates, which
are immutable, so a version there would make every upgrade fail (422). The operand version appears
only on pod templates, where a change rolls the pods anyway, and the operator's own version only as
an annotation on the workload objects themselves (see `rollout.py`).
"""

from __future__ import annotations

import re
from typing import Any

from wabiz_operator.client import API_VERSION, KIND, Client

WEBAPP_PORT, COREAPP_PORT, SANDBOX_PORT, POSTGRES_PORT = 9090, 9091, 9092, 5432
RUN_AS = 10001
MANAGED_BY = "wabiz-operator"
INSTANCE, COMPONENT, MANAGED_BY_LABEL = (
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/managed-by",
)
VERSION_LABEL = "app.kubernetes.io/version"
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")

Obj = dict[str, Any]


def selector_labels(client: Client, component: str) -> dict[str, str]:
    return {INSTANCE: client.name, COMPONENT: component}


def labels(client: Client, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "wabiz",
        MANAGED_BY_LABEL: MANAGED_BY,
        **selector_labels(client, component),
    }


def owner_reference(client: Client) -> Obj:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": client.name,
        "uid": client.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def metadata(client: Client, component: str, name: str | None = None) -> Obj:
    return {
        "name": name or client.child(component),
        "namespace": client.namespace,
        "labels": labels(client, component),
        "ownerReferences": [owner_reference(client)],
    }


def image_tag(image: str) -> str:
    """`repo:tag` → `tag`; `repo@sha256:…` → the digest; a registry port is not a tag."""
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else "latest"


def pod_labels(client: Client, component: str, image: str) -> dict[str, str]:
    """Object labels plus the operand version, when it can be a label value (a digest cannot)."""
    version = image_tag(image)
    extra = {VERSION_LABEL: version} if _LABEL_VALUE.match(version) else {}
    return {**labels(client, component), **extra}


def pod_security(run_as: int = RUN_AS) -> Obj:
    return {
        "runAsNonRoot": True,
        "runAsUser": run_as,
        "runAsGroup": run_as,
        "fsGroup": run_as,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security(read_only: bool = True) -> Obj:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": read_only,
        "capabilities": {"drop": ["ALL"]},
    }


def default_resources(cpu: str, memory: str) -> Obj:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}}


def away_from(client: Client, components: list[str]) -> Obj:
    """A required anti-affinity term: not on a node running these components of this client."""
    return {
        "topologyKey": "kubernetes.io/hostname",
        "labelSelector": {
            "matchLabels": {INSTANCE: client.name},
            "matchExpressions": [{"key": COMPONENT, "operator": "In", "values": components}],
        },
    }
