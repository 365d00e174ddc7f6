"""The reference webhook receiver: recording, signature checks, failing on demand; and the sandbox's
webhooks reaching it over a real socket, signed with the secret both sides share."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from tests.tooling.waiting import eventually, eventually_async
from wabiz.kit.signing import HEADER, sign
from wabiz.sandbox.app import create_app as create_sandbox
from wabiz.sandbox.config import SandboxConfig
from wabiz.webhook_receiver.app import create_app
from wabiz.webhook_receiver.config import ReceiverConfig

SECRET = "receiver-secret"


def client_for(config: ReceiverConfig) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config)), base_url="http://r")


@pytest.fixture
async def receiver() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(ReceiverConfig()) as client:
        yield client


@pytest.fixture
async def guarded() -> AsyncIterator[httpx.AsyncClient]:
    """A receiver that checks X-Hub-Signature-256 with SECRET."""
    async with client_for(ReceiverConfig(secret=SecretStr(SECRET))) as client:
        yield client


async def callbacks(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    answer = await client.get("/received", params=params)
    result: list[dict[str, Any]] = answer.json()["callbacks"]
    return result


async def test_records_every_callback(receiver: httpx.AsyncClient) -> None:
    assert (await receiver.post("/webhook", json={"statuses": [{"id": "a"}]})).status_code == 200
    assert (await receiver.post("/", json={"messages": []})).status_code == 200
    assert (await receiver.post("/webhook", content=b"not json")).status_code == 200
    recorded = await callbacks(receiver)
    assert [c["body"] for c in recorded[:2]] == [{"statuses": [{"id": "a"}]}, {"messages": []}]
    assert recorded[2]["body"] == {"unparsable": "not json"}
    assert all(c["signature_valid"] is None and c["answered"] == 200 for c in recorded)
    since = recorded[1]["received_at"]
    assert len(await callbacks(receiver, since=since)) == 2
    assert (await receiver.delete("/received")).status_code == 200
    assert await callbacks(receiver) == []


async def test_signatures_are_checked_when_a_secret_is_set(guarded: httpx.AsyncClient) -> None:
    raw = b'{"messages": []}'
    good = await guarded.post("/webhook", content=raw, headers={HEADER: sign(SECRET, raw)})
    bad = await guarded.post("/webhook", content=raw, headers={HEADER: sign("other", raw)})
    missing = await guarded.post("/webhook", content=raw)
    assert [a.status_code for a in (good, bad, missing)] == [200, 401, 401]
    recorded = await callbacks(guarded)
    assert [(c["signature_valid"], c["answered"]) for c in recorded] == [
        (True, 200),
        (False, 401),
        (False, 401),
    ]


async def test_fails_the_next_requests_on_demand(receiver: httpx.AsyncClient) -> None:
    plan = await receiver.post("/control/fail", json={"count": 2, "status": 503})
    assert plan.json() == {"count": 2, "status": 503, "match": None}
    answers = [(await receiver.post("/webhook", json={"n": n})).status_code for n in range(3)]
    assert answers == [503, 503, 200]
    assert [c["answered"] for c in await callbacks(receiver)] == [503, 503, 200]


async def test_fails_only_matching_requests(receiver: httpx.AsyncClient) -> None:
    await receiver.post("/control/fail", json={"count": 1, "match": "16315551181"})
    other = await receiver.post("/webhook", json={"messages": [{"from": "4915112345678"}]})
    matching = await receiver.post("/webhook", json={"messages": [{"from": "16315551181"}]})
    again = await receiver.post("/webhook", json={"messages": [{"from": "16315551181"}]})
    assert [a.status_code for a in (other, matching, again)] == [200, 500, 200]


@pytest.mark.parametrize("plan", [{"count": 1, "status": 200}, {"count": -1}, {"count": 1, "colour": "red"}])
async def test_bad_fail_plans_are_refused(receiver: httpx.AsyncClient, plan: dict[str, Any]) -> None:
    assert (await receiver.post("/control/fail", json=plan)).status_code == 422


async def test_health(receiver: httpx.AsyncClient) -> None:
    assert (await receiver.get("/healthz")).json() == {"status": "ok"}


def test_secret_falls_back_to_the_webhook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WABIZ_RECEIVER_SECRET", raising=False)
    monkeypatch.setenv("WABIZ_WEBHOOK_SECRET", "shared")
    assert ReceiverConfig().secret == SecretStr("shared")
    monkeypatch.setenv("WABIZ_RECEIVER_SECRET", "own")
    assert ReceiverConfig().secret == SecretStr("own")
    monkeypatch.delenv("WABIZ_WEBHOOK_SECRET")
    monkeypatch.delenv("WABIZ_RECEIVER_SECRET")
    assert ReceiverConfig().secret is None


@pytest.fixture
def served_receiver() -> Iterator[str]:
    """The receiver (secret = the sandbox's app secret) under uvicorn on a free port, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    app = create_app(ReceiverConfig(secret=SecretStr(SECRET)))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", loop="asyncio", http="h11", ws="none", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    eventually(lambda: server.started or not thread.is_alive(), interval=0.01, what="the receiver to start")
    assert server.started, "the receiver's thread ended before it started"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


async def test_sandbox_webhooks_verify_at_the_receiver(served_receiver: str) -> None:
    config = SandboxConfig(
        app_secret=SecretStr(SECRET), webhook_url=f"{served_receiver}/webhook", dev_mode=True
    )
    sandbox = create_sandbox(config)
    auth = {"Authorization": "Bearer " + config.token.get_secret_value()}
    number = {"cc": "1", "phone_number": "5550001234"}
    async with (
        sandbox.router.lifespan_context(sandbox),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox), base_url="http://s") as client,
        httpx.AsyncClient(base_url=served_receiver) as receiver,
    ):
        await client.post("/v21.0/account", json=number | {"method": "sms", "cert": "c"}, headers=auth)
        await client.post("/v21.0/account/verify", json=number | {"code": "123456"}, headers=auth)
        await client.post(
            "/control/inbound", json={"from": "16315551181", "type": "text", "text": {"body": "hi"}}
        )
        recorded = await eventually_async(lambda: callbacks(receiver), what="the webhook at the receiver")
    assert recorded[0]["signature_valid"] is True
    assert recorded[0]["answered"] == 200
    assert recorded[0]["body"]["entry"][0]["changes"][0]["value"]["messages"][0]["text"] == {"body": "hi"}
