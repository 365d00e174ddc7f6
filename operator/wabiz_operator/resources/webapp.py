"""The WebApp: Deployment (≥ 2 replicas by default), Service and optional Ingress."""

from __future__ import annotations

from wabiz_operator.resources.common import (
    WEBAPP_PORT,
    Obj,
    app_placement,
    child_name,
    default_resources,
    metadata,
    selector_labels,
)
from wabiz_operator.resources.containers import app_container, pod_template

COMPONENT = "webapp"


def build_webapp_deployment(client: Obj) -> Obj:
    spec = client["spec"].get("webapp", {})
    env = [
        {"name": "WABIZ_HOST", "value": "0.0.0.0"},
        {"name": "WABIZ_PORT", "value": str(WEBAPP_PORT)},
    ]
    container = app_container(
        client, COMPONENT, WEBAPP_PORT, env, spec.get("resources") or default_resources("250m", "256Mi")
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "replicas": spec.get("replicas", 2),
            "selector": {"matchLabels": selector_labels(client, COMPONENT)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": pod_template(client, COMPONENT, [container], app_placement(client, COMPONENT)),
        },
    }


def build_webapp_service(client: Obj) -> Obj:
    service = client["spec"].get("webapp", {}).get("service", {})
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "type": service.get("type", "ClusterIP"),
            "selector": selector_labels(client, COMPONENT),
            "ports": [{"name": "http", "port": service.get("port", 80), "targetPort": "http"}],
        },
    }


def build_webapp_ingress(client: Obj) -> Obj | None:
    ingress = client["spec"].get("webapp", {}).get("ingress", {})
    if not ingress.get("enabled"):
        return None
    backend = {"service": {"name": child_name(client, COMPONENT), "port": {"name": "http"}}}
    rule: Obj = {"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}
    spec: Obj = {"rules": [rule]}
    if ingress.get("host"):
        rule["host"] = ingress["host"]
    if ingress.get("className"):
        spec["ingressClassName"] = ingress["className"]
    if ingress.get("tlsSecretName") and ingress.get("host"):
        spec["tls"] = [{"hosts": [ingress["host"]], "secretName": ingress["tlsSecretName"]}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(client, COMPONENT),
        "spec": spec,
    }
