"""What the CloudNativePG scenario deploys and measures: a client in the cloudnativepg mode, the
Cluster's state, an on-demand backup, and a sender that keeps the time of every answer."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from e2e import flows, workloads
from e2e.conftest import Kubectl
from tests.tooling.scenarios import get

PLUGIN = "barman-cloud.cloudnative-pg.io"
# Small requests: two clients and four PostgreSQL instances share this machine's two cores.
APP_RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "384Mi"}}
DATABASE_RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}


def client(name: str, database: dict[str, Any], bucket: str | None = None) -> dict[str, Any]:
    """A client on CloudNativePG, its WebApp on a NodePort; `bucket`: another client's media bucket."""
    spec = dict(database)
    spec.setdefault("storage", "1Gi")
    spec.setdefault("resources", DATABASE_RESOURCES)
    image = os.environ.get("E2E_CNPG_POSTGRES_IMAGE")  # else CloudNativePG's default image
    if image:
        spec["imageName"] = image
    body = workloads.client(name, {"cloudnativepg": spec})
    body["spec"]["webapp"] = {"replicas": 2, "resources": APP_RESOURCES, "service": {"type": "NodePort"}}
    body["spec"]["coreapp"] = {"shards": 1, "standby": 1, "resources": APP_RESOURCES}
    if bucket:
        body["spec"]["media"]["s3"]["bucket"] = bucket
    return body


def cluster_status(kubectl: Kubectl, namespace: str, cluster: str) -> dict[str, Any]:
    return dict((get(kubectl, namespace, "cluster", cluster) or {}).get("status") or {})


def instance_nodes(kubectl: Kubectl, namespace: str, cluster: str) -> dict[str, str]:
    """Instance pod → node."""
    pods = get(kubectl, namespace, "pods", "-l", f"cnpg.io/cluster={cluster},cnpg.io/podRole=instance")
    return {p["metadata"]["name"]: p["spec"].get("nodeName") for p in pods["items"]}


def psql(
    kubectl: Kubectl, namespace: str, pod: str, query: str, database: str = "wabiz", **values: str
) -> str:
    """A query as `postgres` over the instance's local socket (CloudNativePG's own access path);
    `values` become psql variables (`:'name'` in the query, read from stdin so psql expands them)."""
    variables = [arg for name, value in values.items() for arg in ("-v", f"{name}={value}")]
    command = ["psql", "-d", database, "-qAt", "-v", "ON_ERROR_STOP=1", *variables]
    result = kubectl("exec", "-i", pod, "-n", namespace, "-c", "postgres", "--", *command, stdin=query)
    return result.stdout.strip()


def backup(kubectl: Kubectl, namespace: str, cluster: str, name: str) -> None:
    kubectl.apply(
        namespace,
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Backup",
            "metadata": {"name": name},
            "spec": {
                "cluster": {"name": cluster},
                "method": "plugin",
                "pluginConfiguration": {"name": PLUGIN},
            },
        },
    )


def backup_phase(kubectl: Kubectl, namespace: str, name: str) -> str:
    return str(((get(kubectl, namespace, "backup", name) or {}).get("status") or {}).get("phase") or "")


def wal_archived(kubectl: Kubectl, namespace: str, primary: str, wal: str) -> bool:
    """The primary archived `wal` (a restore needs the backup's last segment in the bucket)."""
    query = "select coalesce(last_archived_wal >= :'wal', false) from pg_stat_archiver"
    return psql(kubectl, namespace, primary, query, "postgres", wal=wal) == "t"


@dataclass
class TimedSender(flows.Sender):
    """`flows.Sender` that also keeps when each answer came and whether it was an acceptance."""

    answers: list[tuple[float, bool]] = field(default_factory=list)

    def _send(self, http: httpx.Client) -> None:
        before = len(self.accepted)
        super()._send(http)
        self.answers.append((time.monotonic(), len(self.accepted) > before))


def outage(answers: list[tuple[float, bool]], since: float) -> tuple[float, float, float] | None:
    """(first refused send, last refused send, first accepted send after it), in seconds after
    `since`; None when no send was refused."""
    later = [(t - since, ok) for t, ok in answers if t >= since]
    refused = [t for t, ok in later if not ok]
    if not refused:
        return None
    accepted_again = next((t for t, ok in later if ok and t > refused[-1]), float("inf"))
    return refused[0], refused[-1], accepted_again
