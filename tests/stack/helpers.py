"""Small clients for the stack tests: the receiver's and the sandbox's control APIs, polling."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import httpx

from tests.tooling.waiting import eventually
from wabiz.local.stack import Stack

ADMIN_PASSWORD = "Adm1n-Passw0rd!"

# Unique WhatsApp users per test: 8–15 digits, not ending in 0000 (the sandbox's rule).
_numbers = itertools.count(1)


def new_user() -> str:
    return f"1631555{next(_numbers):04d}1"


def login(base_url: str, username: str, password: str, new_password: str | None = None) -> str:
    body = {"new_password": new_password} if new_password else None
    answer = httpx.post(f"{base_url}/v1/users/login", auth=(username, password), json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["users"][0]["token"]
    return token


class Receiver(httpx.Client):
    def __init__(self, base_url: str) -> None:
        super().__init__(base_url=base_url, timeout=10)

    def callbacks(self) -> list[dict[str, Any]]:
        answer = self.get("/received")
        answer.raise_for_status()
        result: list[dict[str, Any]] = answer.json()["callbacks"]
        return result

    def statuses_for(self, message_id: str) -> list[dict[str, Any]]:
        return [
            status
            for callback in self.callbacks()
            if callback.get("answered", 200) == 200
            for status in callback["body"].get("statuses", [])
            if status["id"] == message_id
        ]

    def messages_from(self, wa_id: str) -> list[dict[str, Any]]:
        return [
            message
            for callback in self.callbacks()
            if callback.get("answered", 200) == 200
            for message in callback["body"].get("messages", [])
            if message["from"] == wa_id
        ]

    def clear(self) -> None:
        self.delete("/received").raise_for_status()

    def fail_next(self, count: int, status: int = 500, match: str | None = None) -> None:
        plan = {"count": count, "status": status, "match": match}
        self.post("/control/fail", json=plan).raise_for_status()


class Sandbox(httpx.Client):
    """The sandbox's control API, with its bearer (the stack's `sandbox_control_token`)."""

    def __init__(self, base_url: str, control_token: str) -> None:
        super().__init__(base_url=base_url, timeout=10, headers={"Authorization": f"Bearer {control_token}"})

    def inbound(self, message: dict[str, Any]) -> str:
        answer = self.post("/control/inbound", json=message)
        assert answer.status_code == 200, answer.text
        wamid: str = answer.json()["id"]
        return wamid

    def received(self, to: str | None = None) -> dict[str, Any]:
        answer = self.get("/control/messages", params={"to": to} if to else None)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    @classmethod
    def of(cls, stack: Stack) -> Sandbox:
        return cls(stack.components["sandbox"].url, stack.secrets["sandbox_control_token"])


def wait_status(
    receiver: Receiver, message_id: str, status: str, timeout: float = 15
) -> list[dict[str, Any]]:
    """The `status` callbacks of one message, once at least one arrived."""
    return eventually(
        lambda: [s for s in receiver.statuses_for(message_id) if s["status"] == status],
        timeout=timeout,
        what=f"a {status} status for {message_id}",
    )


class Load(threading.Thread):
    """Sends text messages in the background, one after another, recording what was acknowledged.

    Refusals (1018 during a failover, 1023 while the database restarts) are expected and counted;
    only acknowledged ids carry the no-loss promise.
    """

    def __init__(self, base_url: str, token: str, recipients: list[str], pause: float = 0.02) -> None:
        super().__init__(daemon=True)
        self._client = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self._recipients, self._pause = recipients, pause
        self._halt = threading.Event()
        self.acked: dict[str, tuple[str, float]] = {}
        self.refused: dict[int, int] = {}

    def run(self) -> None:
        for n in itertools.count():
            if self._halt.is_set():
                break
            to = self._recipients[n % len(self._recipients)]
            try:
                answer = self._client.post(
                    "/v1/messages", json={"to": to, "type": "text", "text": {"body": f"#{n}"}}
                )
            except httpx.TransportError:
                self.refused[0] = self.refused.get(0, 0) + 1
                continue
            if answer.status_code in (200, 201):
                self.acked[answer.json()["messages"][0]["id"]] = (to, time.monotonic())
            else:
                self.refused[answer.status_code] = self.refused.get(answer.status_code, 0) + 1
            time.sleep(self._pause)

    def stop(self) -> None:
        self._halt.set()
        self.join(60)
        self._client.close()


def delivered_ids(receiver: Receiver) -> set[str]:
    return {
        status["id"]
        for callback in receiver.callbacks()
        if callback.get("answered", 200) == 200
        for status in callback["body"].get("statuses", [])
        if status["status"] == "delivered"
    }


def assert_all_delivered(receiver: Receiver, sandbox: Sandbox, ids: set[str], timeout: float = 60) -> None:
    """Every acknowledged message reached the network and its delivered callback reached us."""
    eventually(
        lambda: ids <= delivered_ids(receiver), timeout=timeout, what=f"{len(ids)} delivered callbacks"
    )
    seen = {m["client_id"] for m in sandbox.received()["messages"]}
    assert ids <= seen, f"{len(ids - seen)} acknowledged messages never reached the sandbox"
