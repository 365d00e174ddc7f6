"""The managed PostgreSQL: StatefulSet with a PVC, and its Service (credentials: `secrets.py`).

It runs only on database nodes (node selector + tolerations) and, by a *required* anti-affinity,
never on a node running this client's WebApp or CoreApp pods: the production layout of the
original client, with the database on its own hosts.
"""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.resources.common import (
    POSTGRES_PORT,
    Obj,
    away_from,
    container_security,
    labels,
    metadata,
    selector_labels,
)
from wabiz_operator.resources.secrets import database_secret_name
from wabiz_operator.spec import ManagedDatabase

COMPONENT = "database"
RUN_AS_POSTGRES = 70  # the postgres user of the official alpine image
DATA_VOLUME = "data"


def database_volume_claim(client: Client) -> str:
    """The PVC the StatefulSet controller creates for the database's only pod."""
    return f"{DATA_VOLUME}-{database_secret_name(client)}-0"


def _container(client: Client, managed: ManagedDatabase) -> Obj:
    secret = database_secret_name(client)
    return {
        "name": "postgres",
        "image": managed.image,
        "ports": [{"name": "postgres", "containerPort": POSTGRES_PORT}],
        "env": [
            {"name": "POSTGRES_DB", "value": "wabiz"},
            {"name": "POSTGRES_USER", "valueFrom": {"secretKeyRef": {"name": secret, "key": "username"}}},
            {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}},
            {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
        ],
        "securityContext": container_security(read_only=False),
        "resources": managed.resources
        or {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
        "readinessProbe": {"exec": {"command": ["pg_isready", "-U", "wabiz"]}, "periodSeconds": 5},
        "livenessProbe": {"tcpSocket": {"port": "postgres"}, "initialDelaySeconds": 20, "periodSeconds": 10},
        "volumeMounts": [
            {"name": DATA_VOLUME, "mountPath": "/var/lib/postgresql/data"},
            {"name": "run", "mountPath": "/var/run/postgresql"},
        ],
    }


def _claim(client: Client, managed: ManagedDatabase) -> Obj:
    claim: Obj = {
        "metadata": {"name": DATA_VOLUME, "labels": labels(client, COMPONENT)},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": managed.storage}},
        },
    }
    if managed.storage_class_name:
        claim["spec"]["storageClassName"] = managed.storage_class_name
    return claim


def build_database_statefulset(client: Client) -> Obj | None:
    managed = client.spec.database.managed
    if managed is None:
        return None
    pod_spec: Obj = {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_POSTGRES,
            "fsGroup": RUN_AS_POSTGRES,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "nodeSelector": managed.placement.node_selector,
        "affinity": {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [away_from(client, ["webapp", "coreapp"])]
            }
        },
        "containers": [_container(client, managed)],
        "volumes": [{"name": "run", "emptyDir": {}}],
    }
    if managed.placement.tolerations:
        pod_spec["tolerations"] = managed.placement.tolerations
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(client, COMPONENT, database_secret_name(client)),
        "spec": {
            "replicas": 1,
            "serviceName": database_secret_name(client),
            "selector": {"matchLabels": selector_labels(client, COMPONENT)},
            "template": {"metadata": {"labels": labels(client, COMPONENT)}, "spec": pod_spec},
            "volumeClaimTemplates": [_claim(client, managed)],
        },
    }


def build_database_service(client: Client) -> Obj | None:
    if client.spec.database.managed is None:
        return None
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(client, COMPONENT, database_secret_name(client)),
        "spec": {
            "selector": selector_labels(client, COMPONENT),
            "ports": [{"name": "postgres", "port": POSTGRES_PORT, "targetPort": "postgres"}],
        },
    }
