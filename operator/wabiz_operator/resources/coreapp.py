"""CoreApps: a StatefulSet, so each node keeps its name (its lease holder id) across restarts and
gets its leases back at once, and a headless Service giving each pod a stable DNS name."""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.resources.common import (
    COREAPP_PORT,
    Obj,
    default_resources,
    metadata,
    selector_labels,
)
from wabiz_operator.resources.containers import Operand, app_container, app_pod_template

COMPONENT = "coreapp"


def build_coreapp_statefulset(client: Client, operand: Operand) -> Obj:
    service = client.child(COMPONENT)
    env: list[Obj] = [
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "WABIZ_NODE_ID", "value": "$(POD_NAME)"},
        {"name": "WABIZ_COREAPP_HOST", "value": "0.0.0.0"},
        {"name": "WABIZ_COREAPP_PORT", "value": str(COREAPP_PORT)},
        {
            "name": "WABIZ_ADVERTISE_URL",
            "value": f"http://$(POD_NAME).{service}.{client.namespace}.svc:{COREAPP_PORT}",
        },
    ]
    resources = client.spec.coreapp.resources or default_resources("500m", "384Mi")
    container = app_container(client, COMPONENT, operand, COREAPP_PORT, env, resources)
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "replicas": client.spec.coreapp.desired_replicas,
            "serviceName": service,
            "podManagementPolicy": "Parallel",
            # One CoreApp at a time, each ready (its leases back) before the next goes: a roll
            # never takes more nodes than the PodDisruptionBudget allows.
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "minReadySeconds": 5,
            "selector": {"matchLabels": selector_labels(client, COMPONENT)},
            "template": app_pod_template(client, COMPONENT, operand, container),
        },
    }


def build_coreapp_service(client: Client) -> Obj:
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
