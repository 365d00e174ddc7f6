"""What the e2e scenarios do through the REST API and the in-cluster receiver, shared by the files.

`Sender` is a steady load through a NodePort (kube-proxy spreads each new connection over the
ready WebApp pods, so it outlives any one pod, as a real client behind a load balancer does) that
keeps every answer, so a scenario can say which sends were accepted and how the others were
refused.
"""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from e2e import workloads
from e2e.conftest import DELIVERY, POLL, READY, ROLLOUT, Kubectl
from tests.tooling.scenarios import condition, get
from tests.tooling.waiting import eventually

USER = "16315551181"
# Contract codes a client retries: not ready, too many requests, queue full, not the primary
# (master or CoreApp), database unavailable (503, "retry shortly").
RETRYABLE = {1011, 1015, 1016, 1017, 1018, 1023}


def deploy(kubectl: Kubectl, namespace: str, name: str, database: dict[str, Any]) -> None:
    """MinIO, the receiver, the media Secret and a client; until it is Ready with its webhooks."""
    credentials = {"accessKeyId": workloads.MINIO_USER, "secretAccessKey": workloads.MINIO_PASSWORD}
    kubectl.apply(
        namespace,
        *workloads.minio(),
        *workloads.receiver(),
        workloads.credentials("media", credentials),
        workloads.client(name, database),
    )
    eventually(
        lambda: condition(kubectl, namespace, name, "Ready") == "True",
        timeout=READY,
        what="Ready",
        interval=POLL,
    )
    eventually(
        lambda: condition(kubectl, namespace, name, "WebhooksConfigured") == "True",
        timeout=ROLLOUT,
        what="WebhooksConfigured",
        interval=POLL,
    )


def statuses(kubectl: Kubectl, namespace: str, message_id: str) -> set[str]:
    return {
        s["status"]
        for c in received(kubectl, namespace)
        for s in c["body"].get("statuses", [])
        if s["id"] == message_id
    }


def inbound(kubectl: Kubectl, namespace: str, client: str, message: dict[str, object]) -> None:
    """Through the sandbox's control API, whose bearer the operator generates into the client's Secret."""
    token = kubectl.secret(namespace, f"{client}-secrets", "sandbox-control-token")
    with kubectl.port_forward(namespace, f"{client}-sandbox", 9092) as url:
        answer = httpx.post(
            f"{url}/control/inbound", json=message, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        answer.raise_for_status()


def open_window(kubectl: Kubectl, namespace: str, client: str) -> None:
    """The user writes first: the inbound message reaches the webhook and opens the 24-hour window
    in which the business may send free text (outside it the network answers 470)."""
    inbound(kubectl, namespace, client, {"from": USER, "type": "text", "text": {"body": "hi from kind"}})
    eventually(
        lambda: any(
            m.get("from") == USER for c in received(kubectl, namespace) for m in c["body"].get("messages", [])
        ),
        timeout=DELIVERY,
        what="the inbound message at the receiver",
        interval=POLL,
    )


def admin_session(url: str, password: str) -> httpx.Client:
    login = httpx.post(f"{url}/v1/users/login", auth=("admin", password), timeout=30)
    assert login.status_code == 200, login.text
    token = login.json()["users"][0]["token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def register(api: httpx.Client) -> None:
    """The business number, registered with the sandbox (whose code is always 123456)."""
    account = {
        "cc": "1",
        "phone_number": "5550100",
        "method": "sms",
        "cert": base64.b64encode(b"e2e").decode(),
    }

    def attempt() -> httpx.Response | None:
        # 1011 says "retry": right after start-up a fresh pod may not reach the network yet (the
        # CNI programs NetworkPolicies for new pods a moment after they start).
        answer = api.post("/v1/account", json=account)
        return None if answer.status_code == 503 and '"code":1011' in answer.text else answer

    registered = eventually(attempt, timeout=READY, what="the account registration", interval=POLL)
    assert registered.status_code in (201, 202), registered.text
    if registered.status_code == 202:
        verified = api.post("/v1/account/verify", json={"code": "123456"})
        assert verified.status_code == 201, verified.text


def received(kubectl: Kubectl, namespace: str) -> list[dict[str, Any]]:
    with kubectl.port_forward(namespace, "receiver", 9093) as url:
        callbacks: list[dict[str, Any]] = httpx.get(f"{url}/received", timeout=60).json()["callbacks"]
        return callbacks


def delivered(kubectl: Kubectl, namespace: str) -> set[str]:
    return {
        s["id"]
        for c in received(kubectl, namespace)
        for s in c["body"].get("statuses", [])
        if s["status"] == "delivered"
    }


def fates(kubectl: Kubectl, namespace: str, ids: set[str]) -> dict[str, list[str]]:
    """Every status the webhook received for each of `ids` (with its error code), in order: what
    a failed delivery check says about the messages it missed."""
    seen: dict[str, list[str]] = {message_id: [] for message_id in ids}
    for callback in received(kubectl, namespace):
        for status in callback["body"].get("statuses", []):
            if status["id"] in seen:
                codes = [str(e.get("code")) for e in status.get("errors", [])]
                seen[status["id"]].append(" ".join([status["status"], *codes]))
    return seen


def node_url(kubectl: Kubectl, namespace: str, service: str) -> str:
    """The Service's NodePort on an app worker, as reached from this machine."""
    port = get(kubectl, namespace, "service", service)["spec"]["ports"][0]["nodePort"]
    nodes = get(kubectl, "default", "nodes")["items"]
    worker = next(
        n for n in nodes if "wabiz.io/role" not in n["metadata"]["labels"] and not n["spec"].get("taints")
    )
    address = next(a["address"] for a in worker["status"]["addresses"] if a["type"] == "InternalIP")
    return f"http://{address}:{port}"


@dataclass
class Sender:
    """Sends text messages at `rate` per second until stopped; one new connection per request."""

    url: str
    token: str
    rate: float = 5.0
    accepted: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)  # no answer at all, or a non-retryable one
    _stop: threading.Event = field(default_factory=threading.Event)

    def _send(self, http: httpx.Client) -> None:
        body = {"to": USER, "type": "text", "text": {"body": f"steady {len(self.accepted)}"}}
        try:
            answer = http.post("/v1/messages", json=body)
        except httpx.HTTPError as exc:
            self.failed.append(f"{type(exc).__name__}: {exc}")
            return
        if answer.status_code == 201:
            self.accepted.append(answer.json()["messages"][0]["id"])
            return
        codes = [e.get("code") for e in answer.json().get("errors", [])] if answer.content else []
        if codes and set(codes) <= RETRYABLE:
            self.refused[f"{answer.status_code}/{codes[0]}"] += 1
        else:
            self.failed.append(f"{answer.status_code}: {answer.text[:200]}")

    def run(self) -> None:
        # No keep-alive: each send opens its own connection, as many clients behind a load balancer
        # do; a pooled connection to a pod that is shutting down could not tell a refusal from a loss.
        # A refused connection sent nothing and is tried again, as HTTP clients do (`retries` covers
        # connecting only; four tries over about 3.5 s): while pods roll, a node's forwarding rules
        # may lag the endpoints, beyond the pods' 5 s preStop on a loaded machine (seen once).
        transport = httpx.HTTPTransport(retries=4, limits=httpx.Limits(max_keepalive_connections=0))
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=15, transport=transport) as http:
            while not self._stop.is_set():
                started = time.monotonic()
                self._send(http)
                self._stop.wait(max(0.0, 1 / self.rate - (time.monotonic() - started)))

    @contextlib.contextmanager
    def running(self) -> Iterator[Sender]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(60)

    def summary(self) -> str:
        accepted, refused, failed = len(self.accepted), dict(self.refused), len(self.failed)
        return f"{accepted} accepted, refused with a retryable code {refused}, failed {failed}"
