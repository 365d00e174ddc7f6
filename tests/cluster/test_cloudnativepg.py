"""The cloudnativepg database mode against the real API server, with CloudNativePG's and the Barman
Cloud plugin's own CRDs (from their Go modules, `tests/tooling/cnpg.py`): the API server validates
every Cluster, ObjectStore and ScheduledBackup the operator applies against CloudNativePG's schema.

No CloudNativePG operator runs here (kwok pods run nothing): where it would act, the test does what
it does — the `<cluster>-app` and `<cluster>-ca` Secrets, then a healthy status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from tests.cluster.conftest import ROOT
from tests.cluster.operators import Operator, conditions, get, patch_spec, s3_secret, shared_secret
from tests.tooling import cnpg as cnpg_crds
from tests.tooling.control_plane import ControlPlane
from tests.tooling.waiting import eventually
from wabiz.local.s3 import LocalS3
from wabiz_operator.client import Client
from wabiz_operator.resources import cnpg

NAME, CLUSTER = "initech", "initech-db"
WAIT = 150


@pytest.fixture
def installed(cluster: ControlPlane) -> None:
    cnpg_crds.install_crds(cluster.kubectl)


def create_client(cluster: ControlPlane, namespace: str, s3: LocalS3) -> None:
    s3_secret(cluster, namespace)
    client: dict[str, Any] = yaml.safe_load((ROOT / "crds" / "examples" / "cloudnativepg.yaml").read_text())
    client["spec"]["media"]["s3"]["endpoint"] = s3.endpoint
    client["spec"]["media"]["s3"]["bucket"] = f"{namespace}-media"
    result = cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(client), check=False)
    assert result.returncode == 0, result.stderr


def condition(cluster: ControlPlane, namespace: str, kind: str) -> dict[str, Any]:
    return conditions(cluster, namespace, NAME).get(kind) or {}


def missing(stored: Any, built: Any, path: str = "") -> list[str]:
    """Where the stored object lacks or changed what the operator built (the API server prunes
    fields its schema does not know, so a misspelt field shows up here)."""
    if isinstance(built, dict) and isinstance(stored, dict):
        return [p for key, value in built.items() for p in missing(stored.get(key), value, f"{path}.{key}")]
    if isinstance(built, list) and isinstance(stored, list) and len(built) == len(stored):
        return [
            p
            for i, (s, b) in enumerate(zip(stored, built, strict=True))
            for p in missing(s, b, f"{path}[{i}]")
        ]
    return [] if stored == built else [f"{path}: built {built!r}, stored {stored!r}"]


def live_client(cluster: ControlPlane, namespace: str) -> Client:
    return Client.from_body(get(cluster, namespace, "wac", NAME))


def cloudnativepg_did_its_part(cluster: ControlPlane, namespace: str) -> None:
    """What CloudNativePG does once the instances run: its Secrets, then a healthy Cluster status."""
    shared_secret(cluster, namespace, f"{CLUSTER}-app", {"username": "wabiz", "password": "from-cnpg"}, False)
    shared_secret(cluster, namespace, f"{CLUSTER}-ca", {"ca.crt": "-----BEGIN CERTIFICATE-----"}, False)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ready = {
        "type": "Ready",
        "status": "True",
        "reason": "ClusterIsReady",
        "message": "ready",
        "lastTransitionTime": now,
    }
    status = {
        "instances": 3,
        "readyInstances": 3,
        "currentPrimary": f"{CLUSTER}-1",
        "targetPrimary": f"{CLUSTER}-1",
        "phase": "Cluster in healthy state",
        "conditions": [ready],
    }
    cluster.kubectl(
        "patch", "cluster", CLUSTER, "-n", namespace, "--subresource=status", "--type=merge",
        "-p", json.dumps({"status": status}),
    )  # fmt: skip


@pytest.fixture
def crds_absent(cluster: ControlPlane) -> Iterator[None]:
    cnpg_crds.remove_crds(cluster.kubectl)
    yield
    cnpg_crds.install_crds(cluster.kubectl)


def test_without_cloudnativepg_the_client_says_so_and_waits(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3, crds_absent: None
) -> None:
    create_client(cluster, namespace, s3)
    database = eventually(
        lambda: (
            condition(cluster, namespace, "DatabaseReady").get("reason") == "CloudNativePGMissing"
            and condition(cluster, namespace, "DatabaseReady")
        ),
        timeout=WAIT,
        interval=1,
        what="DatabaseReady=False (CloudNativePGMissing)",
    )
    assert database["status"] == "False"
    assert "clusters.postgresql.cnpg.io" in database["message"]
    assert condition(cluster, namespace, "Reconciled")["reason"] == "CloudNativePGMissing"
    assert condition(cluster, namespace, "Ready")["status"] == "False"
    eventually(
        lambda: "permanent_error" in operator.text(), timeout=30, interval=1, what="a permanent-error backoff"
    )
    assert operator.process.poll() is None, "no crash"
    assert (
        operator.metric("wabiz_operator_reconcile_errors_total", name=NAME, reason="CloudNativePGMissing")
        >= 1
    )

    cnpg_crds.install_crds(cluster.kubectl)  # picked up by the next retry, no restart, no spec change
    eventually(
        lambda: get(cluster, namespace, "cluster", CLUSTER),
        timeout=WAIT,
        interval=1,
        what="the Cluster applied",
    )
    eventually(
        lambda: condition(cluster, namespace, "DatabaseReady").get("reason") == "DatabaseStarting",
        timeout=WAIT,
        interval=1,
        what="DatabaseReady waiting for CloudNativePG",
    )


def test_a_client_yields_a_cluster_cloudnativepg_accepts(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3, installed: None
) -> None:
    create_client(cluster, namespace, s3)
    stored = eventually(
        lambda: get(cluster, namespace, "cluster", CLUSTER), timeout=WAIT, interval=1, what="the Cluster"
    )
    client = live_client(cluster, namespace)
    assert missing(stored, cnpg.build_cluster(client)) == []
    affinity = stored["spec"]["affinity"]
    assert affinity["nodeSelector"] == {"wabiz.io/role": "database"}
    assert affinity["tolerations"][0]["key"] == "wabiz.io/role"
    assert (affinity["enablePodAntiAffinity"], affinity["podAntiAffinityType"]) == (True, "required")
    assert stored["spec"]["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"
    assert stored["metadata"]["ownerReferences"][0]["uid"] == client.uid
    store = get(cluster, namespace, "objectstore", CLUSTER)
    assert missing(store, cnpg.build_object_stores(client)[0]) == []
    assert condition(cluster, namespace, "DatabaseReady")["reason"] == "DatabaseStarting"
    assert get(cluster, namespace, "scheduledbackup", CLUSTER) is None, "no backup before the database is up"
    assert get(cluster, namespace, "job", "-l", "app.kubernetes.io/component=migrate")["items"] == []

    cloudnativepg_did_its_part(cluster, namespace)
    eventually(
        lambda: condition(cluster, namespace, "Ready").get("status") == "True",
        timeout=WAIT,
        interval=1,
        what="Ready once CloudNativePG is",
    )
    assert condition(cluster, namespace, "DatabaseReady")["reason"] == "ClusterHealthy"
    schedule = get(cluster, namespace, "scheduledbackup", CLUSTER)
    assert missing(schedule, cnpg.build_scheduled_backup(client)) == []
    status = get(cluster, namespace, "wac", NAME)["status"]
    assert status["database"] == {
        "cluster": CLUSTER,
        "primary": f"{CLUSTER}-1",
        "instances": "3/3",
        "serverName": f"{NAME}-{client.uid.split('-')[0]}",
        "backupDestination": f"s3://{namespace}-media/database/",
    }
    pod = get(cluster, namespace, "deployment", f"{NAME}-webapp")["spec"]["template"]["spec"]
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in pod["containers"][0]["env"] if "valueFrom" in e}
    assert env["WABIZ_DATABASE_PASSWORD"] == {"name": f"{CLUSTER}-app", "key": "password"}
    assert {v["name"]: v.get("secret", {}).get("secretName") for v in pod["volumes"]}[
        cnpg.CA_VOLUME
    ] == f"{CLUSTER}-ca"
    config = get(cluster, namespace, "configmap", f"{NAME}-config")["data"]
    assert config["WABIZ_DATABASE_SSLMODE"] == "verify-full"
    policy = get(cluster, namespace, "networkpolicy", f"{NAME}-database")
    assert policy["spec"]["podSelector"] == {"matchLabels": {"cnpg.io/cluster": CLUSTER}}

    patch_spec(cluster, namespace, NAME, {"database": {"cloudnativepg": {"backup": {"enabled": False}}}})
    eventually(
        lambda: (
            get(cluster, namespace, "scheduledbackup", CLUSTER) is None
            and get(cluster, namespace, "objectstore", CLUSTER) is None
        ),
        timeout=WAIT,
        interval=1,
        what="the backup schedule and object store pruned",
    )
    assert "plugins" not in get(cluster, namespace, "cluster", CLUSTER)["spec"], "WAL archiving off"
    assert get(cluster, namespace, "cluster", CLUSTER) is not None, "the database stays"
