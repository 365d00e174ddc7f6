"""Day-2 operations against the real API server: rollouts on configuration changes, pruning,
operand upgrades with their migration, failures that end in conditions, kept secrets."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from tests.cluster.operators import (
    Operator,
    conditions,
    create_managed_client,
    get,
    patch_spec,
    pod_uids,
    s3_secret,
    settled,
    shared_secret,
)
from tests.tooling.control_plane import ControlPlane
from tests.tooling.waiting import eventually
from wabiz.local.s3 import LocalS3
from wabiz_operator.client import Client
from wabiz_operator.resources.containers import CHECKSUM_ANNOTATION
from wabiz_operator.resources.migration import build_migration_job

READY = 150


def ready_client(cluster: ControlPlane, namespace: str, s3: LocalS3, **spec: Any) -> None:
    create_managed_client(cluster, namespace, s3, **spec)
    eventually(lambda: settled(cluster, namespace, "acme"), timeout=READY, what="acme settled")


def checksum(cluster: ControlPlane, namespace: str, kind: str, name: str) -> str:
    template = get(cluster, namespace, kind, name)["spec"]["template"]
    return str(template["metadata"]["annotations"][CHECKSUM_ANNOTATION])


def replaced(cluster: ControlPlane, namespace: str, component: str, before: set[str]) -> bool:
    now = pod_uids(cluster, namespace, component)
    return bool(now) and not now & before


def events(cluster: ControlPlane, namespace: str, reason: str) -> list[dict[str, Any]]:
    found = get(cluster, namespace, "events")["items"]
    return [e for e in found if e["involvedObject"]["name"] == "acme" and e["reason"] == reason]


def test_a_configuration_or_secret_change_rolls_the_pods(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    ready_client(cluster, namespace, s3)
    webapp, coreapp = pod_uids(cluster, namespace, "webapp"), pod_uids(cluster, namespace, "coreapp")
    sums = checksum(cluster, namespace, "deployment", "acme-webapp")

    patch_spec(cluster, namespace, "acme", {"upstream": {"sandbox": {"enforceWindow": False}}})
    assert get(cluster, namespace, "configmap", "acme-config")  # the ConfigMap is what changes
    eventually(lambda: replaced(cluster, namespace, "webapp", webapp), timeout=READY, what="new WebApp pods")
    eventually(
        lambda: replaced(cluster, namespace, "coreapp", coreapp), timeout=READY, what="new CoreApp pods"
    )
    config = get(cluster, namespace, "configmap", "acme-config")["data"]
    assert config["WABIZ_SANDBOX_ENFORCE_WINDOW"] == "false"
    assert checksum(cluster, namespace, "deployment", "acme-webapp") != sums
    eventually(lambda: settled(cluster, namespace, "acme"), timeout=READY, what="settled after the roll")

    # A Secret the pods read changes with no spec change: the next pass rolls them too.
    sandbox_before = pod_uids(cluster, namespace, "sandbox")
    webapp = pod_uids(cluster, namespace, "webapp")
    rotated = {"stringData": {"secretAccessKey": "rotated-secret-key"}}
    cluster.kubectl("patch", "secret", "media-credentials", "-n", namespace, "-p", json.dumps(rotated))
    eventually(lambda: replaced(cluster, namespace, "webapp", webapp), timeout=READY, what="WebApp rolled")
    assert pod_uids(cluster, namespace, "sandbox") == sandbox_before, "the sandbox reads no S3 key"


def test_children_the_spec_no_longer_wants_are_deleted(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    ready_client(cluster, namespace, s3, webapp={"ingress": {"enabled": True, "host": "wa.example"}})
    assert get(cluster, namespace, "ingress", "acme-webapp")
    patch_spec(cluster, namespace, "acme", {"webapp": {"ingress": {"enabled": False}}})
    eventually(
        lambda: get(cluster, namespace, "ingress", "acme-webapp") is None, timeout=60, what="Ingress gone"
    )
    assert any("Ingress/acme-webapp" in e["message"] for e in events(cluster, namespace, "Pruned"))

    cloud = {"token": "t" * 40, "appSecret": "s" * 40}
    shared_secret(cluster, namespace, "cloud", cloud)
    switch = {
        "sandbox": None,
        "cloud": {
            "phoneNumberId": "1065",
            "tokenSecretRef": {"name": "cloud"},
            "appSecretRef": {"name": "cloud"},
        },
    }
    patch_spec(cluster, namespace, "acme", {"upstream": switch})
    eventually(
        lambda: get(cluster, namespace, "deployment", "acme-sandbox") is None, timeout=60, what="sandbox gone"
    )
    eventually(
        lambda: get(cluster, namespace, "service", "acme-sandbox") is None,
        timeout=60,
        what="its Service gone",
    )
    assert get(cluster, namespace, "deployment", "acme-webapp"), "only what the spec dropped goes"
    assert get(cluster, namespace, "secret", "acme-secrets")


def migration_jobs(cluster: ControlPlane, namespace: str, image: str) -> list[dict[str, Any]]:
    jobs = get(cluster, namespace, "jobs")["items"]
    return [j for j in jobs if j["spec"]["template"]["spec"]["containers"][0]["image"] == image]


def workload_image(cluster: ControlPlane, namespace: str, kind: str, name: str) -> str:
    return str(get(cluster, namespace, kind, name)["spec"]["template"]["spec"]["containers"][0]["image"])


def test_an_operand_upgrade_migrates_once_then_rolls(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    ready_client(cluster, namespace, s3, image={"tag": "1.0.0"})
    new = "ghcr.io/wabiz/wabiz:1.1.0"
    patch_spec(cluster, namespace, "acme", {"image": {"tag": "1.1.0"}})
    eventually(
        lambda: get(cluster, namespace, "wac", "acme")["status"].get("version") == "1.1.0",
        timeout=READY,
        what="1.1.0",
    )
    (job,) = migration_jobs(cluster, namespace, new)
    assert job["status"].get("succeeded") == 1
    for kind, name in (
        ("deployment", "acme-webapp"),
        ("statefulset", "acme-coreapp"),
        ("deployment", "acme-sandbox"),
    ):
        assert workload_image(cluster, namespace, kind, name) == new
    replica_sets = get(cluster, namespace, "replicasets", "-l", "app.kubernetes.io/component=webapp")["items"]
    newest = max(rs["metadata"]["creationTimestamp"] for rs in replica_sets)
    assert newest >= job["status"]["completionTime"], "the pods roll only after the migration"
    eventually(lambda: settled(cluster, namespace, "acme"), timeout=READY, what="settled on 1.1.0")

    # The Job's TTL removes it one day: nothing re-runs, nothing flaps.
    not_ready_before = len(events(cluster, namespace, "NotReady"))
    cluster.kubectl("delete", "job", job["metadata"]["name"], "-n", namespace)
    generation_passes = operator.metric("wabiz_operator_reconciles_total", namespace=namespace, name="acme")
    eventually(
        lambda: (
            operator.metric("wabiz_operator_reconciles_total", namespace=namespace, name="acme")
            >= generation_passes + 3
        ),
        timeout=60,
        what="three more passes",
    )
    assert migration_jobs(cluster, namespace, new) == [], "a recorded migration is not run again"
    assert conditions(cluster, namespace, "acme")["Ready"]["status"] == "True"
    assert len(events(cluster, namespace, "NotReady")) == not_ready_before, "Ready never flapped"


def test_a_failed_migration_keeps_the_previous_version(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    ready_client(cluster, namespace, s3, image={"tag": "1.0.0"})
    # kwok completes every Job: the one the operator will create for 1.2.0 is made first, failed.
    body = get(cluster, namespace, "wac", "acme")
    body["spec"]["image"]["tag"] = "1.2.0"
    job = build_migration_job(Client.from_body(body), "ghcr.io/wabiz/wabiz:1.2.0")
    job["spec"]["suspend"] = True
    cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(job))
    name = job["metadata"]["name"]
    now = get(cluster, namespace, "job", name)["metadata"]["creationTimestamp"]
    failed = {
        "status": {
            "startTime": now,
            "conditions": [
                {
                    "type": "FailureTarget",
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "message": "boom",
                    "lastTransitionTime": now,
                },
                {
                    "type": "Failed",
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "message": "boom",
                    "lastTransitionTime": now,
                },
            ],
        }
    }
    cluster.kubectl(
        "patch",
        "job",
        name,
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps(failed),
    )

    patch_spec(cluster, namespace, "acme", {"image": {"tag": "1.2.0"}})
    eventually(
        lambda: conditions(cluster, namespace, "acme").get("Migrated", {}).get("reason") == "MigrationFailed",
        timeout=60,
        what="Migrated=False (MigrationFailed)",
    )
    status = get(cluster, namespace, "wac", "acme")["status"]
    assert status["version"] == "1.0.0", "the previous version keeps serving"
    assert workload_image(cluster, namespace, "deployment", "acme-webapp") == "ghcr.io/wabiz/wabiz:1.0.0"
    assert status["migration"]["state"] == "Failed"
    assert name in conditions(cluster, namespace, "acme")["Migrated"]["message"]
    assert conditions(cluster, namespace, "acme")["Ready"]["status"] == "True"


def test_forbidden_is_a_condition_with_slowing_retries(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    role = json.loads(cluster.kubectl("get", "clusterrole", "wabiz-wabiz-operator", "-o", "json").stdout)
    original = json.dumps(role)
    for rule in role["rules"]:
        if "ingresses" in rule["resources"]:
            rule["resources"] = [r for r in rule["resources"] if r != "ingresses"]
    for key in ("resourceVersion", "uid", "creationTimestamp", "managedFields"):
        role["metadata"].pop(key, None)
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(role))
    try:
        create_managed_client(
            cluster, namespace, s3, webapp={"ingress": {"enabled": True, "host": "wa.example"}}
        )
        eventually(
            lambda: conditions(cluster, namespace, "acme").get("Reconciled", {}).get("reason") == "Forbidden",
            timeout=READY,
            what="Reconciled=False (Forbidden)",
        )
        message = conditions(cluster, namespace, "acme")["Reconciled"]["message"]
        assert "Ingress acme-webapp" in message and "forbidden" in message.lower()

        def delays() -> list[float]:
            pattern = rf"{namespace}/acme: next attempt in (\d+) s \(permanent_error"
            return [float(d) for d in re.findall(pattern, operator.text())]

        eventually(lambda: len(delays()) >= 4, timeout=120, what="four permanent-error retries")
        seen = delays()
        assert seen[:4] == sorted(seen[:4]) and seen[3] > seen[0], f"retries slow down: {seen}"
    finally:
        restored = json.loads(original)
        for key in ("resourceVersion", "uid", "creationTimestamp", "managedFields"):
            restored["metadata"].pop(key, None)
        cluster.kubectl("apply", "-f", "-", stdin=json.dumps(restored))
    eventually(lambda: settled(cluster, namespace, "acme"), timeout=READY, what="recovered once allowed")
    assert get(cluster, namespace, "ingress", "acme-webapp")


def secret_data(cluster: ControlPlane, namespace: str, name: str) -> dict[str, str] | None:
    found = get(cluster, namespace, "secret", name)
    return None if found is None else dict(found["data"])


def test_generated_secrets_are_never_regenerated_while_their_data_exists(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    ready_client(cluster, namespace, s3)
    generated = get(cluster, namespace, "secret", "acme-secrets")
    cluster.kubectl("delete", "secret", "acme-secrets", "-n", namespace)
    eventually(
        lambda: conditions(cluster, namespace, "acme").get("Reconciled", {}).get("reason") == "SecretLost",
        timeout=60,
        what="Reconciled=False (SecretLost)",
    )
    assert get(cluster, namespace, "secret", "acme-secrets") is None, "no new values were generated"
    # Restored as a backup tool restores it: data, labels and owner references.
    for key in ("resourceVersion", "uid", "creationTimestamp", "managedFields"):
        generated["metadata"].pop(key, None)
    cluster.kubectl("create", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(generated))
    eventually(lambda: settled(cluster, namespace, "acme"), timeout=READY, what="settled once restored")
    assert secret_data(cluster, namespace, "acme-secrets") == generated["data"]


@pytest.mark.timeout(600)
def test_a_client_created_again_finds_its_database_and_its_password(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    """Deleting a client keeps its database volume (as a StatefulSet does) and, with it, the Secret
    holding its password; creating the client again under the same name uses both."""
    ready_client(cluster, namespace, s3)
    password = secret_data(cluster, namespace, "acme-postgres")
    claim = get(cluster, namespace, "pvc", "data-acme-postgres-0")
    owners = get(cluster, namespace, "secret", "acme-postgres")["metadata"]["ownerReferences"]
    assert {o["kind"] for o in owners} == {"WhatsAppClient", "PersistentVolumeClaim"}

    cluster.kubectl("delete", "wac", "acme", "-n", namespace, "--wait=true", "--timeout=60s")
    eventually(
        lambda: get(cluster, namespace, "secret", "acme-secrets") is None,
        timeout=90,
        what="client Secret gone",
    )
    eventually(
        lambda: (
            {
                o["kind"]
                for o in get(cluster, namespace, "secret", "acme-postgres")["metadata"]["ownerReferences"]
            }
            == {"PersistentVolumeClaim"}
        ),
        timeout=90,
        what="the database Secret held by its volume alone",
    )
    assert (
        get(cluster, namespace, "pvc", "data-acme-postgres-0")["metadata"]["uid"] == claim["metadata"]["uid"]
    )

    ready_client(cluster, namespace, s3)
    assert secret_data(cluster, namespace, "acme-postgres") == password, "the same password for the same data"


def test_a_secret_must_be_shared_with_the_client(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    """Pointing a client at somebody else's Secret gets nothing out of it until its owner shares it."""
    s3_secret(cluster, namespace, shared=False)
    create_managed_client(cluster, namespace, s3)
    eventually(
        lambda: (
            conditions(cluster, namespace, "acme").get("Reconciled", {}).get("reason") == "SecretNotShared"
        ),
        timeout=60,
        what="Reconciled=False (SecretNotShared)",
    )
    assert "wabiz.io/clients=acme" in conditions(cluster, namespace, "acme")["Reconciled"]["message"]
    assert get(cluster, namespace, "deployment", "acme-webapp") is None, "no pod got the values"
    cluster.kubectl("annotate", "secret", "media-credentials", "-n", namespace, "wabiz.io/clients=acme")
    eventually(lambda: settled(cluster, namespace, "acme"), timeout=READY, what="settled once shared")
