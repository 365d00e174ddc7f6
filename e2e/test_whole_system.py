"""The whole system on kind: operator, managed or external database, MinIO, the REST API through
port-forward, webhooks in the cluster, scaling, a CoreApp pod lost under load, cleanup."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator

import httpx
import pytest

from e2e import flows, workloads
from e2e.conftest import (
    DELIVERY,
    FAILOVER,
    KUBECONFIG,
    OPERATOR_NAMESPACE,
    POLL,
    RELEASE,
    ROLLOUT,
    ROOT,
    Kubectl,
)
from tests.tooling.scenarios import assert_database_alone, assert_spread, get
from tests.tooling.waiting import eventually

NAME = "shop"
USER = flows.USER


@pytest.fixture
def managed(kubectl: Kubectl, namespace: str) -> str:
    flows.deploy(kubectl, namespace, NAME, workloads.managed_database())
    return namespace


@pytest.fixture
def api(kubectl: Kubectl, managed: str) -> Iterator[httpx.Client]:
    """An admin session through `kubectl port-forward`, the account registered with the sandbox."""
    password = kubectl.secret(managed, f"{NAME}-secrets", "admin-password")
    with kubectl.port_forward(managed, f"{NAME}-webapp", 80) as url:
        client = flows.admin_session(url, password)
        flows.register(client)
        yield client
        client.close()


def test_managed_client_serves_messages_and_webhooks(
    kubectl: Kubectl, managed: str, api: httpx.Client
) -> None:
    flows.open_window(kubectl, managed, NAME)
    sent = api.post("/v1/messages", json={"to": USER, "type": "text", "text": {"body": "hello"}})
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["messages"][0]["id"]
    eventually(
        lambda: {"sent", "delivered", "read"} <= flows.statuses(kubectl, managed, message_id),
        timeout=DELIVERY,
        what="sent, delivered and read callbacks",
        interval=POLL,
    )
    media = api.post("/v1/media", content=b"%PDF-1.4 e2e", headers={"Content-Type": "application/pdf"})
    assert media.status_code == 201, media.text
    assert api.get(f"/v1/media/{media.json()['media'][0]['id']}").content == b"%PDF-1.4 e2e"


def test_database_runs_alone_on_the_database_node(kubectl: Kubectl, managed: str) -> None:
    assert_database_alone(kubectl, managed)
    node = next(iter(get(kubectl, managed, "pods", "-l", "app.kubernetes.io/component=database")["items"]))
    labels = get(kubectl, "default", "node", node["spec"]["nodeName"])["metadata"]["labels"]
    assert labels.get("wabiz.io/role") == "database"
    assert_spread(kubectl, managed, "webapp")


def test_scale_adds_coreapps(kubectl: Kubectl, managed: str) -> None:
    kubectl("scale", f"wac/{NAME}", "--replicas=5", "-n", managed)
    eventually(
        lambda: (
            (get(kubectl, managed, "statefulset", f"{NAME}-coreapp") or {})
            .get("status", {})
            .get("readyReplicas")
            == 5
        ),
        timeout=ROLLOUT,
        what="5 ready CoreApps",
        interval=POLL,
    )


def test_losing_a_coreapp_pod_under_load_loses_nothing(
    kubectl: Kubectl, managed: str, api: httpx.Client
) -> None:
    flows.open_window(kubectl, managed, NAME)
    acked: list[str] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            answer = api.post("/v1/messages", json={"to": USER, "type": "text", "text": {"body": "load"}})
            if answer.status_code == 201:
                acked.append(answer.json()["messages"][0]["id"])

    sender = threading.Thread(target=load, daemon=True)
    sender.start()
    eventually(lambda: len(acked) >= 20, timeout=DELIVERY, what="load running", interval=POLL)
    kubectl("delete", "pod", f"{NAME}-coreapp-0", "-n", managed, "--grace-period=0", "--force")
    eventually(
        lambda: len(acked) >= 60,
        timeout=FAILOVER * 2,
        what="sends accepted after the pod loss",
        interval=POLL,
    )
    stop.set()
    sender.join(60)

    eventually(
        lambda: set(acked) <= flows.delivered(kubectl, managed),
        timeout=DELIVERY * 2,
        what="every acknowledged message delivered",
        interval=POLL,
    )


def test_external_database_mode(kubectl: Kubectl, namespace: str) -> None:
    kubectl.apply(
        namespace,
        *workloads.postgres("e2e-db-pass"),
        workloads.credentials("db", {"username": "wabiz", "password": "e2e-db-pass"}),
    )
    external = {
        "external": {"host": "postgres", "sslMode": "disable", "credentialsSecretRef": {"name": "db"}}
    }
    flows.deploy(kubectl, namespace, NAME, external)
    assert get(kubectl, namespace, "statefulset", f"{NAME}-postgres") is None, "no managed database"


def test_deleting_the_client_removes_its_children(kubectl: Kubectl, managed: str) -> None:
    kubectl("delete", "wac", NAME, "-n", managed, "--timeout=120s")
    eventually(
        lambda: (
            get(kubectl, managed, "statefulset", f"{NAME}-coreapp") is None
            and get(kubectl, managed, "deployment", f"{NAME}-webapp") is None
        ),
        timeout=ROLLOUT,
        what="children gone",
        interval=POLL,
    )


def test_helm_uninstall_keeps_the_crd_and_the_clients(kubectl: Kubectl, managed: str) -> None:
    """As the chart's NOTES say: the operator goes, the CRD and the user's clients stay."""
    helm = ["helm", f"--kubeconfig={KUBECONFIG}", "-n", OPERATOR_NAMESPACE]
    subprocess.run([*helm, "uninstall", RELEASE, "--wait"], check=True, capture_output=True)
    try:
        assert get(kubectl, OPERATOR_NAMESPACE, "deployment", f"{RELEASE}-wabiz-operator") is None
        assert get(kubectl, "default", "crd", "whatsappclients.wabiz.io") is not None
        assert get(kubectl, managed, "wac", NAME) is not None
        assert get(kubectl, managed, "deployment", f"{NAME}-webapp") is not None
    finally:  # the operator back, so a kept cluster (E2E_KEEP_CLUSTER=1) is as it was
        subprocess.run(["bash", str(ROOT / "e2e/scripts/install-chart.sh")], check=True, capture_output=True)
