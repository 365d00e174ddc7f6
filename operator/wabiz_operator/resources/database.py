"""The managed PostgreSQL: StatefulSet with a PVC, Service and credentials Secret.

It runs only on database nodes (node selector + tolerations) and, by a *required* anti-affinity,
never on a node running this client's WebApp or CoreApp pods: the production layout of the
original client, with the database on its own hosts.
"""

from __future__ import annotations

from wabiz_operator.resources.common import (
    POSTGRES_PORT,
    Obj,
    away_from,
    child_name,
    container_security,
    labels,
    metadata,
    selector_labels,
)

COMPONENT = "database"
RUN_AS_POSTGRES = 70  # the postgres user of the official alpine image


def database_name(client: Obj) -> str:
    return child_name(client, "postgres")


def build_database_secret(client: Obj, password: str) -> Obj | None:
    if "managed" not in client["spec"]["database"]:
        return None
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(client, COMPONENT, database_name(client)),
        "type": "Opaque",
        "stringData": {"username": "wabiz", "password": password},
    }


def _container(client: Obj, managed: Obj) -> Obj:
    secret = database_name(client)
    return {
        "name": "postgres",
        "image": managed.get("image", "postgres:16-alpine"),
        "ports": [{"name": "postgres", "containerPort": POSTGRES_PORT}],
        "env": [
            {"name": "POSTGRES_DB", "value": "wabiz"},
            {"name": "POSTGRES_USER", "valueFrom": {"secretKeyRef": {"name": secret, "key": "username"}}},
            {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}},
            {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
        ],
        "securityContext": container_security(read_only=False),
        "resources": managed.get("resources")
        or {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
        "readinessProbe": {"exec": {"command": ["pg_isready", "-U", "wabiz"]}, "periodSeconds": 5},
        "livenessProbe": {"tcpSocket": {"port": "postgres"}, "initialDelaySeconds": 20, "periodSeconds": 10},
        "volumeMounts": [
            {"name": "data", "mountPath": "/var/lib/postgresql/data"},
            {"name": "run", "mountPath": "/var/run/postgresql"},
        ],
    }


def build_database_statefulset(client: Obj) -> Obj | None:
    managed = client["spec"]["database"].get("managed")
    if managed is None:
        return None
    placement = managed.get("placement", {})
    claim: Obj = {
        "metadata": {"name": "data", "labels": labels(client, COMPONENT)},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": managed.get("storage", "10Gi")}},
        },
    }
    if managed.get("storageClassName"):
        claim["spec"]["storageClassName"] = managed["storageClassName"]
    pod_spec: Obj = {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_POSTGRES,
            "fsGroup": RUN_AS_POSTGRES,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "automountServiceAccountToken": False,
        "nodeSelector": placement.get("nodeSelector", {"wabiz.io/role": "database"}),
        "affinity": {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [away_from(client, ["webapp", "coreapp"])]
            }
        },
        "containers": [_container(client, managed)],
        "volumes": [{"name": "run", "emptyDir": {}}],
    }
    if placement.get("tolerations"):
        pod_spec["tolerations"] = placement["tolerations"]
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(client, COMPONENT, database_name(client)),
        "spec": {
            "replicas": 1,
            "serviceName": database_name(client),
            "selector": {"matchLabels": selector_labels(client, COMPONENT)},
            "template": {"metadata": {"labels": labels(client, COMPONENT)}, "spec": pod_spec},
            "volumeClaimTemplates": [claim],
        },
    }


def build_database_service(client: Obj) -> Obj | None:
    if "managed" not in client["spec"]["database"]:
        return None
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(client, COMPONENT, database_name(client)),
        "spec": {
            "selector": selector_labels(client, COMPONENT),
            "ports": [{"name": "postgres", "port": POSTGRES_PORT, "targetPort": "postgres"}],
        },
    }
