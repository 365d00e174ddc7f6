"""Names, labels, owner references, security contexts and placement shared by the builders."""

from __future__ import annotations

from typing import Any

from wabiz import __version__

GROUP, VERSION, KIND = "wabiz.io", "v1alpha1", "WhatsAppClient"
API_VERSION = f"{GROUP}/{VERSION}"
WEBAPP_PORT, COREAPP_PORT, SANDBOX_PORT, POSTGRES_PORT = 9090, 9091, 9092, 5432
RUN_AS = 10001

Obj = dict[str, Any]


def name_of(client: Obj) -> str:
    return str(client["metadata"]["name"])


def namespace_of(client: Obj) -> str:
    return str(client["metadata"].get("namespace", "default"))


def child_name(client: Obj, component: str) -> str:
    """Deterministic: `<client>-<component>`, so every reconcile addresses the same objects."""
    return f"{name_of(client)}-{component}"


def selector_labels(client: Obj, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/instance": name_of(client), "app.kubernetes.io/component": component}


def labels(client: Obj, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "wabiz",
        "app.kubernetes.io/managed-by": "wabiz-operator",
        "app.kubernetes.io/version": __version__,
        **selector_labels(client, component),
    }


def owner_reference(client: Obj) -> Obj:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": name_of(client),
        "uid": client["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def metadata(client: Obj, component: str, name: str | None = None) -> Obj:
    return {
        "name": name or child_name(client, component),
        "namespace": namespace_of(client),
        "labels": labels(client, component),
        "ownerReferences": [owner_reference(client)],
    }


def image(client: Obj) -> str:
    spec = client["spec"].get("image", {})
    return f"{spec.get('repository', 'ghcr.io/wabiz/wabiz')}:{spec.get('tag') or __version__}"


def pull_policy(client: Obj) -> str:
    return str(client["spec"].get("image", {}).get("pullPolicy", "IfNotPresent"))


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


def app_placement(client: Obj, component: str) -> Obj:
    """WebApp/CoreApp pods: user placement, spread over nodes, never on a managed database's node."""
    placement = client["spec"].get("placement", {})
    pod: Obj = {}
    if placement.get("nodeSelector"):
        pod["nodeSelector"] = placement["nodeSelector"]
    if placement.get("tolerations"):
        pod["tolerations"] = placement["tolerations"]
    if placement.get("spreadAcrossNodes", True):
        pod["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector_labels(client, component)},
            }
        ]
    if "managed" in client["spec"].get("database", {}):
        pod["affinity"] = {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [away_from(client, ["database"])]
            }
        }
    return pod


def away_from(client: Obj, components: list[str]) -> Obj:
    """A required anti-affinity term: not on a node running these components of this client."""
    return {
        "topologyKey": "kubernetes.io/hostname",
        "labelSelector": {
            "matchLabels": {"app.kubernetes.io/instance": name_of(client)},
            "matchExpressions": [
                {"key": "app.kubernetes.io/component", "operator": "In", "values": components}
            ],
        },
    }
