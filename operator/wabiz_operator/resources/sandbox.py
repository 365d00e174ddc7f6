"""The sandbox network (when `upstream.sandbox`): Deployment and Service."""

from __future__ import annotations

from wabiz_operator.resources.common import (
    SANDBOX_PORT,
    Obj,
    app_placement,
    default_resources,
    metadata,
    selector_labels,
)
from wabiz_operator.resources.containers import app_container, pod_template

COMPONENT = "sandbox"


def build_sandbox_deployment(client: Obj) -> Obj | None:
    if "sandbox" not in client["spec"].get("upstream", {"sandbox": {}}):
        return None
    env = [
        {"name": "WABIZ_SANDBOX_HOST", "value": "0.0.0.0"},
        {"name": "WABIZ_SANDBOX_PORT", "value": str(SANDBOX_PORT)},
    ]
    container = app_container(client, COMPONENT, SANDBOX_PORT, env, default_resources("100m", "128Mi"))
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector_labels(client, COMPONENT)},
            "template": pod_template(client, COMPONENT, [container], app_placement(client, COMPONENT)),
        },
    }


def build_sandbox_service(client: Obj) -> Obj | None:
    if "sandbox" not in client["spec"].get("upstream", {"sandbox": {}}):
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
