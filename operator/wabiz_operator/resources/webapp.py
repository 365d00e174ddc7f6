"""The WebApp: Deployment (≥ 2 replicas by default), Service and optional Ingress."""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.resources.common import (
    WEBAPP_PORT,
    Obj,
    default_resources,
    metadata,
    selector_labels,
)
from wabiz_operator.resources.containers import Operand, app_container, app_pod_template

COMPONENT = "webapp"


def build_webapp_deployment(client: Client, operand: Operand) -> Obj:
    spec = client.spec.webapp
    env = [
        {"name": "WABIZ_HOST", "value": "0.0.0.0"},
        {"name": "WABIZ_PORT", "value": str(WEBAPP_PORT)},
    ]
    resources = spec.resources or default_resources("250m", "256Mi")
    container = app_container(client, COMPONENT, operand, WEBAPP_PORT, env, resources)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "replicas": spec.replicas,
            "selector": {"matchLabels": selector_labels(client, COMPONENT)},
            # Never below the desired count while rolling: the PodDisruptionBudget's promise holds.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "minReadySeconds": 5,
            "template": app_pod_template(client, COMPONENT, operand, container),
        },
    }


def build_webapp_service(client: Client) -> Obj:
    service = client.spec.webapp.service
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(client, COMPONENT),
        "spec": {
            "type": service.type,
            "selector": selector_labels(client, COMPONENT),
            "ports": [{"name": "http", "port": service.port, "targetPort": "http"}],
        },
    }


def build_webapp_ingress(client: Client) -> Obj | None:
    ingress = client.spec.webapp.ingress
    if not ingress.enabled:
        return None
    backend = {"service": {"name": client.child(COMPONENT), "port": {"name": "http"}}}
    rule: Obj = {"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}
    spec: Obj = {"rules": [rule]}
    if ingress.host:
        rule["host"] = ingress.host
    if ingress.class_name:
        spec["ingressClassName"] = ingress.class_name
    if ingress.tls_secret_name and ingress.host:
        spec["tls"] = [{"hosts": [ingress.host], "secretName": ingress.tls_secret_name}]
    meta = metadata(client, COMPONENT)
    if ingress.annotations:
        meta["annotations"] = dict(ingress.annotations)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}
