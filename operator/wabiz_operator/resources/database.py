"""The managed PostgreSQL, the development mode: StatefulSet with a PVC, its Service, and the
script that creates the application's role (credentials: `secrets.py`).

It runs only on database nodes (node selector + their taint tolerated, by default) and, by a
*required* anti-affinity, never on a node running this client's WebApp or CoreApp pods. One pod:
no replica, no failover, no backup, no TLS (production uses CloudNativePG, `cnpg.py`).

- The application connects as `wabiz`, the owner of the `wabiz` database and not a superuser: the
  image's entrypoint initialises the data as `postgres` (the superuser, whose password only this
  container reads) and runs `/docker-entrypoint-initdb.d`, where the init script creates the role.
  A database initialised by 0.1.0 keeps its `wabiz` superuser: the script runs only at initdb.
- Deleting the pod stops PostgreSQL with a *fast* shutdown (sessions ended, a checkpoint, a clean
  stop) from the preStop hook, whatever stop signal the runtime sends afterwards (a smart shutdown,
  SIGTERM's, would wait for the pooled sessions until the kill).
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
from wabiz_operator.resources.secrets import SUPERUSER_PASSWORD, database_secret_name
from wabiz_operator.spec import ManagedDatabase

COMPONENT = "database"
RUN_AS_POSTGRES = 70  # the postgres user of the official alpine image
DATA_VOLUME = "data"
INIT_VOLUME, INIT_DIRECTORY, INIT_SCRIPT = "init", "/docker-entrypoint-initdb.d", "10-wabiz-role.sh"
# A fast shutdown ends with a checkpoint: give it time before the kubelet kills.
TERMINATION_GRACE_SECONDS = 60
# Sourced by the entrypoint once, at initdb, with the server listening on its socket only.
ROLE_SCRIPT = """\
# The application's role: the owner of the database, not a superuser.
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \\
  -v app_user="$WABIZ_APP_USER" -v app_password="$WABIZ_APP_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO :"app_user";
ALTER SCHEMA public OWNER TO :"app_user";
SQL
"""


def database_volume_claim(client: Client) -> str:
    """The PVC the StatefulSet controller creates for the database's only pod."""
    return f"{DATA_VOLUME}-{database_secret_name(client)}-0"


def init_config_name(client: Client) -> str:
    return f"{database_secret_name(client)}-init"


def build_database_init(client: Client) -> Obj | None:
    if client.spec.database.managed is None:
        return None
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(client, COMPONENT, init_config_name(client)),
        "data": {INIT_SCRIPT: ROLE_SCRIPT},
    }


def _secret_env(name: str, secret: str, key: str) -> Obj:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def _container(client: Client, managed: ManagedDatabase) -> Obj:
    secret = database_secret_name(client)
    return {
        "name": "postgres",
        "image": managed.image,
        "ports": [{"name": "postgres", "containerPort": POSTGRES_PORT}],
        "env": [
            {"name": "POSTGRES_DB", "value": "wabiz"},
            {"name": "POSTGRES_USER", "value": "postgres"},
            _secret_env("POSTGRES_PASSWORD", secret, SUPERUSER_PASSWORD),
            _secret_env("WABIZ_APP_USER", secret, "username"),
            _secret_env("WABIZ_APP_PASSWORD", secret, "password"),
            {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
        ],
        # -W: signal and return; the shutdown goes on without the hook, which must not outlive it.
        "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", 'pg_ctl stop -D "$PGDATA" -m fast -W']}}},
        "securityContext": container_security(read_only=False),
        "resources": managed.resources
        or {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
        "readinessProbe": {"exec": {"command": ["pg_isready", "-U", "wabiz"]}, "periodSeconds": 5},
        "livenessProbe": {"tcpSocket": {"port": "postgres"}, "initialDelaySeconds": 20, "periodSeconds": 10},
        "volumeMounts": [
            {"name": DATA_VOLUME, "mountPath": "/var/lib/postgresql/data"},
            {"name": "run", "mountPath": "/var/run/postgresql"},
            {"name": INIT_VOLUME, "mountPath": INIT_DIRECTORY, "readOnly": True},
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
        "terminationGracePeriodSeconds": TERMINATION_GRACE_SECONDS,
        "containers": [_container(client, managed)],
        "volumes": [
            {"name": "run", "emptyDir": {}},
            {"name": INIT_VOLUME, "configMap": {"name": init_config_name(client)}},
        ],
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
