"""The sandbox network (when `upstream.sandbox`): Deployment and Service."""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.resources.common import (
    SANDBOX_PORT,
    Obj,
    default_resources,
    metadata,
    selector_labels,
)
from wabiz_operator.resources.containers import Operand, app_container, app_pod_template

COMPONENT = "sandbox"


def wants_sandbox(client: Client) -> bool:
    return client.spec.upstream.sandbox is not None


def build_sandbox_deployment(client: Client, operand: Operand) -> Obj | None:
    if not wants_sandbox(client):
        return None
    env = [
        {"name": "WABIZ_SANDBOX_HOST", "value": "0.0.0.0"},
        {"name": "WABIZ_SANDBOX_PORT", "value": str(SANDBOX_PORT)},
    ]
    resources = default_resources("100m", "128Mi")
    container = app_container(client, COMPONENT, operand, SANDBOX_PORT, env, resources)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector_labels(client, COMPONENT)},
            "template": app_pod_template(client, COMPONENT, operand, container),
        },
    }


def build_sandbox_service(client: Client) -> Obj | None:
    if not wants_sandbox(client):
        return None
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "selector": selector_labels(client, COMPONENT),
            "ports": [{"name": "http", "port": SANDBOX_PORT, "targetPort": "http"}],
        },
    }
