"""The operator against the real API server, with exactly the chart's RBAC (a token of the chart's
ServiceAccount): children, status, placement by the real scheduler, scaling, drift, deletion."""

from __future__ import annotations

import psycopg

from tests.cluster import operators
from tests.cluster.operators import Operator, create_external_client, create_managed_client, get, s3_secret
from tests.tooling.control_plane import ControlPlane
from tests.tooling.scenarios import assert_database_alone, assert_spread
from tests.tooling.waiting import eventually
from wabiz import __version__
from wabiz.local.postgres import EmbeddedPostgres
from wabiz.local.s3 import ACCESS_KEY, SECRET_KEY, LocalS3


def condition(cluster: ControlPlane, namespace: str, kind: str) -> str | None:
    return operators.condition(cluster, namespace, "acme", kind)


def test_lifecycle(cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3) -> None:
    create_managed_client(cluster, namespace, s3)
    for kind, name in [
        ("secret", "acme-secrets"),
        ("configmap", "acme-config"),
        ("statefulset", "acme-postgres"),
        ("statefulset", "acme-coreapp"),
        ("deployment", "acme-webapp"),
        ("service", "acme-webapp"),
        ("service", "acme-coreapp"),
        ("pdb", "acme-coreapp"),
        ("deployment", "acme-sandbox"),
    ]:
        eventually(
            lambda kind=kind, name=name: get(cluster, namespace, kind, name),
            timeout=90,
            what=f"{kind}/{name}",
        )
    eventually(lambda: condition(cluster, namespace, "Ready") == "True", timeout=120, what="Ready=True")
    assert condition(cluster, namespace, "MediaReady") == "True"

    assert_database_alone(cluster.kubectl, namespace, database_node="db-1")
    assert_spread(cluster.kubectl, namespace, "webapp")

    cluster.kubectl("scale", "wac/acme", "--replicas=4", "-n", namespace)
    eventually(
        lambda: get(cluster, namespace, "statefulset", "acme-coreapp")["spec"]["replicas"] == 4,
        timeout=60,
        what="4 CoreApps after kubectl scale",
    )

    cluster.kubectl("delete", "service", "acme-webapp", "-n", namespace)
    eventually(
        lambda: get(cluster, namespace, "service", "acme-webapp"), timeout=60, what="the deleted Service back"
    )

    events = [e for e in get(cluster, namespace, "events")["items"] if e["involvedObject"]["name"] == "acme"]
    assert any(e["reason"] == "Serving" and e["message"].startswith("Ready:") for e in events), events
    status = get(cluster, namespace, "wac", "acme")["status"]
    assert status["version"] == __version__, "a new client starts on the operator's own version"
    assert status["migration"]["state"] == "Succeeded"
    assert operator.metric("wabiz_operator_reconciles_total", namespace=namespace, name="acme") > 0

    cluster.kubectl("delete", "wac", "acme", "-n", namespace, "--wait=true", "--timeout=60s")
    eventually(
        lambda: get(cluster, namespace, "statefulset", "acme-coreapp") is None,
        timeout=90,
        what="children gone",
    )
    log = operator.text()
    # RBAC refusals name the user; 403s for namespaces other tests are deleting do not.
    assert 'forbidden: User "system:serviceaccount' not in log, log[-3000:]


def bucket_exists(s3: LocalS3, bucket: str) -> bool:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    try:
        return bucket in {b["Name"] for b in client.list_buckets()["Buckets"]}
    finally:
        client.close()


def test_external_database_and_bucket_deletion_policy(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3, postgres: EmbeddedPostgres
) -> None:
    """External mode against a real PostgreSQL (the database is created); Delete policy removes
    the bucket when the resource goes."""
    s3_secret(cluster, namespace, "media")
    create_external_client(
        cluster,
        namespace,
        s3,
        postgres,
        database=f"ext_{namespace}",
        media_secret="media",
        deletionPolicy="Delete",
    )

    def database_ready() -> bool:
        obj = get(cluster, namespace, "wac", "ext") or {}
        return any(
            c["type"] == "DatabaseReady" and c["status"] == "True"
            for c in (obj.get("status") or {}).get("conditions", [])
        )

    eventually(database_ready, timeout=90, what="DatabaseReady for the external database")
    dsn = postgres.dsn("postgres")
    with psycopg.connect(dsn) as conn:
        created = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (f"ext_{namespace}",)
        ).fetchone()
    assert created, "the operator creates the database on the external server"
    eventually(lambda: bucket_exists(s3, f"ext-{namespace}"), timeout=60, what="the bucket created")
    cluster.kubectl("delete", "wac", "ext", "-n", namespace, "--timeout=60s")
    eventually(
        lambda: not bucket_exists(s3, f"ext-{namespace}"),
        timeout=60,
        what="the bucket deleted (policy Delete)",
    )
