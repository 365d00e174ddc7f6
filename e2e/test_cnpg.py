"""The cloudnativepg database mode on kind, with CloudNativePG and its Barman Cloud plugin running
for real (`e2e/scripts/install-cnpg.sh`):

1. a client with 3 instances becomes Ready, one instance on each of three database nodes;
2. under a steady send rate the primary pod is deleted: every accepted message is delivered, and
   the time until sends are accepted again is measured and printed;
3. a backup to the client's bucket, then a new client restored from it serves the old state.

The steps build on each other (one client, one namespace, in file order).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest

from e2e import flows, workloads
from e2e.cnpg_workloads import (
    TimedSender,
    backup,
    backup_phase,
    client,
    cluster_status,
    instance_nodes,
    outage,
    psql,
    wal_archived,
)
from e2e.conftest import DELIVERY, POLL, READY, ROLLOUT, Kubectl
from e2e.test_security import probe_pod, reaches
from tests.tooling.scenarios import condition, get
from tests.tooling.waiting import eventually

NAME, RESTORED = "bank", "vault"
CLUSTER = f"{NAME}-db"
FAILOVER_GOAL = 30  # seconds until sends are accepted again (issue 12); asserted with a margin
BACKUP = 600


def ready(kubectl: Kubectl, namespace: str, name: str) -> None:
    eventually(
        lambda: condition(kubectl, namespace, name, "Ready") == "True",
        timeout=READY * 2,
        what=f"{name} Ready",
        interval=POLL,
    )
    eventually(
        lambda: condition(kubectl, namespace, name, "WebhooksConfigured") == "True",
        timeout=ROLLOUT,
        what=f"{name}'s webhooks",
        interval=POLL,
    )


@pytest.fixture(scope="module")
def namespace(kubectl: Kubectl) -> Iterator[str]:
    name = f"e2e-cnpg-{os.getpid()}"
    kubectl("create", "namespace", name)
    yield name
    kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture(scope="module")
def bank(kubectl: Kubectl, namespace: str) -> str:
    started = time.monotonic()
    credentials = {"accessKeyId": workloads.MINIO_USER, "secretAccessKey": workloads.MINIO_PASSWORD}
    kubectl.apply(
        namespace,
        *workloads.minio(),
        *workloads.receiver(),
        workloads.credentials("media", credentials),
        client(NAME, {"instances": 3}),
    )
    ready(kubectl, namespace, NAME)
    serving = time.monotonic() - started
    eventually(
        lambda: cluster_status(kubectl, namespace, CLUSTER).get("readyInstances") == 3,
        timeout=READY,
        what="3 PostgreSQL instances ready",
        interval=POLL,
    )
    print(
        f"\n{NAME}: Ready (its primary up) in {serving:.0f} s, "
        f"3/3 PostgreSQL instances ready in {time.monotonic() - started:.0f} s"
    )
    return namespace


@pytest.fixture(scope="module")
def api(kubectl: Kubectl, bank: str) -> Iterator[httpx.Client]:
    url = flows.node_url(kubectl, bank, f"{NAME}-webapp")
    session = flows.admin_session(url, kubectl.secret(bank, f"{NAME}-secrets", "admin-password"))
    flows.register(session)
    flows.open_window(kubectl, bank, NAME)
    yield session
    session.close()


def test_three_instances_on_three_database_nodes(kubectl: Kubectl, bank: str) -> None:
    nodes = instance_nodes(kubectl, bank, CLUSTER)
    assert len(nodes) == 3 and len(set(nodes.values())) == 3, nodes
    for node in nodes.values():
        assert get(kubectl, "default", "node", node)["metadata"]["labels"].get("wabiz.io/role") == "database"
    apps = get(kubectl, bank, "pods", "-l", f"app.kubernetes.io/instance={NAME}")["items"]
    assert not {p["spec"].get("nodeName") for p in apps} & set(nodes.values()), (
        "no app pod on a database node"
    )
    status = cluster_status(kubectl, bank, CLUSTER)
    assert status["readyInstances"] == 3
    replication = psql(
        kubectl,
        bank,
        status["currentPrimary"],
        "select count(*) from pg_stat_replication where state = 'streaming'",
    )
    assert replication == "2", "both replicas stream from the primary"
    ssl = psql(
        kubectl,
        bank,
        status["currentPrimary"],
        "select bool_and(ssl) from pg_stat_ssl join pg_stat_activity using (pid) where usename = 'wabiz'",
    )
    assert ssl == "t", "the application's sessions use TLS"
    # The NetworkPolicy CloudNativePG works under (replication, failover, backups) keeps others out.
    probe_pod(kubectl, bank, "neighbour")
    assert reaches(kubectl, bank, "neighbour", f"{NAME}-webapp.{bank}.svc", 80)
    assert not reaches(kubectl, bank, "neighbour", f"{CLUSTER}-rw.{bank}.svc", 5432)
    assert not reaches(kubectl, bank, "neighbour", f"{CLUSTER}-rw.{bank}.svc", 8000)


def test_losing_the_primary_under_load_loses_no_accepted_message(
    kubectl: Kubectl, bank: str, api: httpx.Client
) -> None:
    url = str(api.base_url)
    token = api.headers["Authorization"].removeprefix("Bearer ")
    sender = TimedSender(url, token, rate=5)
    primary = cluster_status(kubectl, bank, CLUSTER)["currentPrimary"]
    with sender.running():
        eventually(lambda: len(sender.accepted) >= 20, timeout=DELIVERY, what="steady sends", interval=POLL)
        deleted = time.monotonic()
        kubectl("delete", "pod", primary, "-n", bank, "--wait=false")
        promoted = eventually(
            lambda: (
                (cluster_status(kubectl, bank, CLUSTER).get("currentPrimary") not in (None, primary))
                and time.monotonic()
            ),
            timeout=ROLLOUT,
            what="a new primary",
            interval=POLL,
        )
        accepted_then = len(sender.accepted)
        eventually(
            lambda: len(sender.accepted) >= accepted_then + 25,
            timeout=DELIVERY,
            what="steady again",
            interval=POLL,
        )
    window = outage(sender.answers, deleted)
    successor = cluster_status(kubectl, bank, CLUSTER)["currentPrimary"]
    print(
        f"\nfailover: deleted primary {primary}; {successor} primary after {promoted - deleted:.1f} s; "
        + (
            f"sends refused from +{window[0]:.1f} s to +{window[1]:.1f} s, accepted again "
            f"{window[2]:.1f} s after the deletion; "
            if window
            else "no send refused; "
        )
        + sender.summary()
    )
    assert all(f.startswith("503:") for f in sender.failed), f"refused, never lost: {sender.failed[:5]}"
    assert window is None or window[2] <= 2 * FAILOVER_GOAL, window
    eventually(
        lambda: set(sender.accepted) <= flows.delivered(kubectl, bank),
        timeout=DELIVERY * 2,
        what="every accepted message delivered",
        interval=POLL,
    )
    eventually(
        lambda: cluster_status(kubectl, bank, CLUSTER).get("readyInstances") == 3,
        timeout=ROLLOUT,
        what="3 instances ready again",
        interval=POLL,
    )


def test_a_backup_restored_into_a_new_client_serves_the_old_state(
    kubectl: Kubectl, bank: str, api: httpx.Client
) -> None:
    media = api.post(
        "/v1/media", content=b"%PDF-1.4 before the backup", headers={"Content-Type": "application/pdf"}
    )
    assert media.status_code == 201, media.text
    media_id = media.json()["media"][0]["id"]
    sent = [
        api.post("/v1/messages", json={"to": flows.USER, "type": "text", "text": {"body": f"kept {n}"}})
        for n in range(5)
    ]
    assert all(s.status_code == 201 for s in sent), [s.text for s in sent]
    kept = {s.json()["messages"][0]["id"] for s in sent}
    eventually(
        lambda: kept <= flows.delivered(kubectl, bank),
        timeout=DELIVERY,
        what="the kept messages delivered",
        interval=POLL,
    )

    started = time.monotonic()
    backup(kubectl, bank, CLUSTER, "before-restore")
    eventually(
        lambda: backup_phase(kubectl, bank, "before-restore") in ("completed", "failed"),
        timeout=BACKUP,
        what="the backup",
        interval=POLL,
    )
    assert backup_phase(kubectl, bank, "before-restore") == "completed", get(
        kubectl, bank, "backup", "before-restore"
    )
    backed_up = time.monotonic() - started
    # The backup ends in a WAL segment archived only when full or after archive_timeout (5 min).
    primary = cluster_status(kubectl, bank, CLUSTER)["currentPrimary"]
    end_wal = get(kubectl, bank, "backup", "before-restore")["status"]["endWal"]
    psql(kubectl, bank, primary, "select pg_switch_wal()", "postgres")
    eventually(
        lambda: wal_archived(kubectl, bank, primary, end_wal),
        timeout=ROLLOUT,
        what=f"WAL {end_wal} archived",
        interval=POLL,
    )
    server = get(kubectl, bank, "wac", NAME)["status"]["database"]["serverName"]

    started = time.monotonic()
    restore = {"instances": 1, "restore": {"serverName": server, "bucket": f"{NAME}-media"}}
    kubectl.apply(bank, client(RESTORED, restore, bucket=f"{NAME}-media"))
    ready(kubectl, bank, RESTORED)
    restored_in = time.monotonic() - started
    print(f"\nbackup: completed in {backed_up:.0f} s; restore: {RESTORED} Ready in {restored_in:.0f} s")

    url = flows.node_url(kubectl, bank, f"{RESTORED}-webapp")
    restored = flows.admin_session(url, kubectl.secret(bank, f"{RESTORED}-secrets", "admin-password"))
    assert restored.get(f"/v1/media/{media_id}").content == b"%PDF-1.4 before the backup"
    outbound = restored.get("/v1/stats/app").json()["stats"]["app"]["messages"]["out"]
    assert sum(outbound.values()) >= len(kept), outbound
    instance = cluster_status(kubectl, bank, f"{RESTORED}-db")["currentPrimary"]
    query = "select status from messages where id = any(string_to_array(:'ids', ','))"
    states = psql(kubectl, bank, instance, query, ids=",".join(sorted(kept))).split()
    assert len(states) == len(kept) and set(states) <= {"delivered", "read"}, states
    restored.close()
