"""What the e2e tests deploy besides wabiz: MinIO, a PostgreSQL, the reference webhook receiver."""

from __future__ import annotations

import os
from typing import Any

from e2e.conftest import TAG

MINIO_USER, MINIO_PASSWORD = "wabiz-e2e", "wabiz-e2e-secret"
# Overridable for a registry mirror or images built locally (then loaded with E2E_EXTRA_IMAGES).
MINIO_IMAGE = os.environ.get("E2E_MINIO_IMAGE", "quay.io/minio/minio:latest")
POSTGRES_IMAGE = os.environ.get("E2E_POSTGRES_IMAGE", "postgres:16-alpine")


def _deployment(
    name: str, image: str, port: int, env: dict[str, str], args: list[str] | None = None
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "ports": [{"containerPort": port}],
        "env": [{"name": k, "value": v} for k, v in env.items()],
    }
    if args:
        container["args"] = args
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}},
        },
    }


def _service(name: str, port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"port": port, "targetPort": port}]},
    }


def minio() -> list[dict[str, Any]]:
    env = {"MINIO_ROOT_USER": MINIO_USER, "MINIO_ROOT_PASSWORD": MINIO_PASSWORD}
    return [
        _deployment("minio", MINIO_IMAGE, 9000, env, ["server", "/data"]),
        _service("minio", 9000),
    ]


def postgres(password: str) -> list[dict[str, Any]]:
    env = {"POSTGRES_USER": "wabiz", "POSTGRES_PASSWORD": password, "POSTGRES_DB": "postgres"}
    return [_deployment("postgres", POSTGRES_IMAGE, 5432, env), _service("postgres", 5432)]


def receiver() -> list[dict[str, Any]]:
    env = {"WABIZ_RECEIVER_HOST": "0.0.0.0", "WABIZ_RECEIVER_PORT": "9093"}
    deployment = _deployment("receiver", f"wabiz:{TAG}", 9093, env, ["webhook-receiver"])
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Never"
    return [deployment, _service("receiver", 9093)]


def credentials(name: str, data: dict[str, str]) -> dict[str, Any]:
    """A Secret shared with every WhatsAppClient of its namespace (annotation `wabiz.io/clients`)."""
    metadata = {"name": name, "annotations": {"wabiz.io/clients": "*"}}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "stringData": data}


# kind's Service range: the in-cluster receiver's address is private, so the client allows it.
SERVICE_NETWORK = "10.96.0.0/12"


def client(name: str, database: dict[str, Any], tag: str = TAG) -> dict[str, Any]:
    return {
        "apiVersion": "wabiz.io/v1alpha1",
        "kind": "WhatsAppClient",
        "metadata": {"name": name},
        "spec": {
            "image": {"repository": "wabiz", "tag": tag, "pullPolicy": "Never"},
            "coreapp": {"shards": 2, "standby": 1},
            "database": database,
            "media": {
                "s3": {
                    "endpoint": "http://minio:9000",
                    "bucket": f"{name}-media",
                    "credentialsSecretRef": {"name": "media"},
                }
            },
            "webhooks": {
                "url": "http://receiver:9093/webhook",
                "allowInsecure": True,
                "allowPrivateNetworks": [SERVICE_NETWORK],
                "statuses": {"sent": True, "delivered": True, "read": True},
            },
            "upstream": {"sandbox": {}},
        },
    }


def managed_database() -> dict[str, Any]:
    placement = {
        "nodeSelector": {"wabiz.io/role": "database"},
        "tolerations": [
            {"key": "wabiz.io/role", "operator": "Equal", "value": "database", "effect": "NoSchedule"}
        ],
    }
    managed: dict[str, Any] = {"storage": "1Gi", "placement": placement}
    if "E2E_POSTGRES_IMAGE" in os.environ:  # otherwise the operator's default image
        managed["image"] = POSTGRES_IMAGE
    return {"managed": managed}
