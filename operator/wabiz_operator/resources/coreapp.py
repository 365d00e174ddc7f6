"""CoreApps: a StatefulSet, so each node keeps its name (its lease holder id) across restarts and
gets its leases back at once, and a headless Service giving each pod a stable DNS name."""

from __future__ import annotations

from wabiz_operator.resources.common import (
    COREAPP_PORT,
    Obj,
    app_placement,
    child_name,
    default_resources,
    metadata,
    namespace_of,
    selector_labels,
)
from wabiz_operator.resources.containers import app_container, pod_template

COMPONENT = "coreapp"


def coreapp_replicas(client: Obj) -> int:
    coreapp = client["spec"].get("coreapp", {})
    explicit = coreapp.get("replicas")
    return int(explicit) if explicit else int(coreapp.get("shards", 1)) + int(coreapp.get("standby", 1))


def build_coreapp_statefulset(client: Obj) -> Obj:
    service = child_name(client, COMPONENT)
    env: list[Obj] = [
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "WABIZ_NODE_ID", "value": "$(POD_NAME)"},
        {"name": "WABIZ_COREAPP_HOST", "value": "0.0.0.0"},
        {"name": "WABIZ_COREAPP_PORT", "value": str(COREAPP_PORT)},
        {
            "name": "WABIZ_ADVERTISE_URL",
            "value": f"http://$(POD_NAME).{service}.{namespace_of(client)}.svc:{COREAPP_PORT}",
        },
    ]
    resources = client["spec"].get("coreapp", {}).get("resources") or default_resources("500m", "384Mi")
    container = app_container(client, COMPONENT, COREAPP_PORT, env, resources)
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "replicas": coreapp_replicas(client),
            "serviceName": service,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": selector_labels(client, COMPONENT)},
            "template": pod_template(client, COMPONENT, [container], app_placement(client, COMPONENT)),
        },
    }


def build_coreapp_service(client: Obj) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": selector_labels(client, COMPONENT),
            "ports": [{"name": "http", "port": COREAPP_PORT, "targetPort": "http"}],
        },
    }
