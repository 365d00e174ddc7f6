"""The whole system on kind: operator, managed or external database, MinIO, the REST API through
port-forward, webhooks in the cluster, scaling, a CoreApp pod lost under load, cleanup."""

from __future__ import annotations

import base64
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from e2e import workloads
from e2e.conftest import (
    DELIVERY,
    FAILOVER,
    KUBECONFIG,
    OPERATOR_NAMESPACE,
    READY,
    RELEASE,
    ROLLOUT,
    ROOT,
    Kubectl,
    eventually,
)
from tests.tooling.scenarios import assert_database_alone, assert_spread, condition, get

NAME = "shop"
USER = "16315551181"


def deploy(kubectl: Kubectl, namespace: str, database: dict[str, Any]) -> None:
    kubectl.apply(
        namespace,
        *workloads.minio(),
        *workloads.receiver(),
        workloads.credentials(
            "media", {"accessKeyId": workloads.MINIO_USER, "secretAccessKey": workloads.MINIO_PASSWORD}
        ),
        workloads.client(NAME, database),
    )
    eventually(lambda: condition(kubectl, namespace, NAME, "Ready") == "True", timeout=READY, what="Ready")
    # The operator's first admin login sets the generated password; tests log in with it after.
    eventually(
        lambda: condition(kubectl, namespace, NAME, "WebhooksConfigured") == "True",
        timeout=ROLLOUT,
        what="WebhooksConfigured",
    )


@pytest.fixture
def managed(kubectl: Kubectl, namespace: str) -> str:
    deploy(kubectl, namespace, workloads.managed_database())
    return namespace


@pytest.fixture
def api(kubectl: Kubectl, managed: str) -> Iterator[httpx.Client]:
    """An admin session through `kubectl port-forward`, the account registered with the sandbox."""
    password = kubectl.secret(managed, f"{NAME}-secrets", "admin-password")
    with kubectl.port_forward(managed, f"{NAME}-webapp", 80) as url:
        login = httpx.post(f"{url}/v1/users/login", auth=("admin", password), timeout=30)
        token = login.json()["users"][0]["token"]
        client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        cert = base64.b64encode(b"e2e").decode()
        account = {"cc": "1", "phone_number": "5550100", "method": "sms", "cert": cert}
        registered = client.post("/v1/account", json=account)
        assert registered.status_code in (201, 202), registered.text
        if registered.status_code == 202:  # a code was sent; the sandbox's code is always 123456
            verified = client.post("/v1/account/verify", json={"code": "123456"})
            assert verified.status_code == 201, verified.text
        yield client
        client.close()


def received(kubectl: Kubectl, namespace: str) -> list[dict[str, Any]]:
    with kubectl.port_forward(namespace, "receiver", 9093) as url:
        callbacks: list[dict[str, Any]] = httpx.get(f"{url}/received", timeout=30).json()["callbacks"]
        return callbacks


def statuses(kubectl: Kubectl, namespace: str, message_id: str) -> set[str]:
    return {
        s["status"]
        for c in received(kubectl, namespace)
        for s in c["body"].get("statuses", [])
        if s["id"] == message_id
    }


def inbound(kubectl: Kubectl, namespace: str, message: dict[str, object]) -> None:
    """Through the sandbox's control API, whose bearer the operator generates into the client's Secret."""
    token = kubectl.secret(namespace, f"{NAME}-secrets", "sandbox-control-token")
    with kubectl.port_forward(namespace, f"{NAME}-sandbox", 9092) as url:
        answer = httpx.post(
            f"{url}/control/inbound", json=message, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        answer.raise_for_status()


def open_window(kubectl: Kubectl, namespace: str) -> None:
    """The user writes first: the inbound message reaches the webhook and opens the 24-hour window
    in which the business may send free text (outside it the network answers 470)."""
    inbound(kubectl, namespace, {"from": USER, "type": "text", "text": {"body": "hi from kind"}})
    eventually(
        lambda: any(
            m.get("from") == USER for c in received(kubectl, namespace) for m in c["body"].get("messages", [])
        ),
        timeout=DELIVERY,
        what="the inbound message at the receiver",
    )


def test_managed_client_serves_messages_and_webhooks(
    kubectl: Kubectl, managed: str, api: httpx.Client
) -> None:
    open_window(kubectl, managed)
    sent = api.post("/v1/messages", json={"to": USER, "type": "text", "text": {"body": "hello"}})
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["messages"][0]["id"]
    eventually(
        lambda: {"sent", "delivered", "read"} <= statuses(kubectl, managed, message_id),
        timeout=DELIVERY,
        what="sent, delivered and read callbacks",
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
    )


def test_losing_a_coreapp_pod_under_load_loses_nothing(
    kubectl: Kubectl, managed: str, api: httpx.Client
) -> None:
    open_window(kubectl, managed)
    acked: list[str] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            answer = api.post("/v1/messages", json={"to": USER, "type": "text", "text": {"body": "load"}})
            if answer.status_code == 201:
                acked.append(answer.json()["messages"][0]["id"])

    sender = threading.Thread(target=load, daemon=True)
    sender.start()
    eventually(lambda: len(acked) >= 20, timeout=DELIVERY, what="load running")
    kubectl("delete", "pod", f"{NAME}-coreapp-0", "-n", managed, "--grace-period=0", "--force")
    eventually(lambda: len(acked) >= 60, timeout=FAILOVER * 2, what="sends accepted after the pod loss")
    stop.set()
    sender.join(60)

    def all_delivered() -> bool:
        delivered = {
            s["id"]
            for c in received(kubectl, managed)
            for s in c["body"].get("statuses", [])
            if s["status"] == "delivered"
        }
        return set(acked) <= delivered

    eventually(all_delivered, timeout=DELIVERY * 2, what="every acknowledged message delivered")


def test_external_database_mode(kubectl: Kubectl, namespace: str) -> None:
    kubectl.apply(
        namespace,
        *workloads.postgres("e2e-db-pass"),
        workloads.credentials("db", {"username": "wabiz", "password": "e2e-db-pass"}),
    )
    external = {
        "external": {"host": "postgres", "sslMode": "disable", "credentialsSecretRef": {"name": "db"}}
    }
    deploy(kubectl, namespace, external)
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
