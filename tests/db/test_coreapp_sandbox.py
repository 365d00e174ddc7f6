"""The CoreApp end to end against the sandbox network: both apps under uvicorn on free ports, the
real PostgreSQL, a filesystem media store and a recording business webhook.

Covers the paths no unit test can: registration through the gateway, a send going upstream and
coming back as status callbacks, a refused recipient, an inbound media message fetched into the
store, mark-read, and the authentication of both the internal API and the upstream webhook.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text

from tests.tooling.recording_server import RecordingServer, recording_server
from tests.tooling.waiting import eventually_async
from wabiz.coreapp.app import create_app
from wabiz.coreapp.config import CoreAppConfig
from wabiz.db import messages
from wabiz.db.messages import Outgoing, new_message_id
from wabiz.kit.db import make_engine, make_sessionmaker
from wabiz.kit.signing import HEADER, sign, verify
from wabiz.local.ports import pick
from wabiz.sandbox.app import create_app as create_sandbox
from wabiz.sandbox.config import SandboxConfig

TOKEN = "test-internal-token"
WEBHOOK_SECRET = "business-secret"
USER, NOT_A_USER = "16315551181", "16315550000"


@dataclass
class Stack:
    core: httpx.AsyncClient
    sandbox: httpx.AsyncClient
    webhook: RecordingServer
    database_url: str
    media_dir: Path

    def callbacks(self) -> list[dict[str, Any]]:
        for post in self.webhook.requests:
            assert verify(WEBHOOK_SECRET, post.body, post.headers.get(HEADER)), "callbacks are signed"
        return [post.json() for post in self.webhook.requests]

    def statuses(self, message_id: str) -> list[dict[str, Any]]:
        return [s for c in self.callbacks() for s in c.get("statuses", []) if s["id"] == message_id]

    async def query(self, sql: str, **params: Any) -> list[Any]:
        engine = make_engine(self.database_url, 1)
        try:
            async with make_sessionmaker(engine)() as session:
                return list(await session.execute(text(sql), params))
        finally:
            await engine.dispose()

    async def send(self, to: str, **typed: Any) -> str:
        kind, body = next(iter(typed.items()))
        message = {"to": to, "recipient_type": "individual", "type": kind, kind: body}
        answer = await self.core.post("/internal/messages", json={"message": message})
        assert answer.status_code == 201, answer.text
        message_id: str = answer.json()["id"]
        return message_id


@asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await eventually_async(lambda: server.started or task.done(), what="uvicorn started")
    assert not task.done(), "the server did not start"
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def store_settings(database_url: str, settings: dict[str, Any]) -> None:
    engine = make_engine(database_url, 1)
    try:
        async with make_sessionmaker(engine).begin() as session:
            await session.execute(
                text(
                    "INSERT INTO settings (name, value, version) VALUES ('application', CAST(:v AS jsonb), 2)"
                    " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, version = settings.version + 1"
                ),
                {"v": orjson.dumps(settings).decode()},
            )
    finally:
        await engine.dispose()


@pytest.fixture
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    core_port, sandbox_port = pick(), pick()
    sandbox_config = SandboxConfig(
        dev_mode=True,
        port=sandbox_port,
        webhook_url=f"http://127.0.0.1:{core_port}/upstream/webhook",
        sent_delay=0.01,
        delivered_delay=0.02,
        read_delay=0.03,
        enforce_window=False,
    )
    core_config = CoreAppConfig(
        dev_mode=True,  # the recording webhook is on loopback; the sandbox's secrets are placeholders
        database_url=SecretStr(database_url),
        internal_token=SecretStr(TOKEN),
        coreapp_port=core_port,
        upstream_url=f"http://127.0.0.1:{sandbox_port}",
        media_backend="fs",
        media_dir=str(tmp_path / "media"),
        webhook_secret=SecretStr(WEBHOOK_SECRET),
        settings_poll_interval=0.05,
        callback_poll_interval=0.05,
    )
    async with AsyncExitStack() as stack, recording_server() as webhook:
        await store_settings(
            database_url,
            {
                "webhooks": {"url": webhook.url, "message": {"sent": True}},
                "media": {"auto_download": ["image"]},
            },
        )
        await stack.enter_async_context(serving(create_sandbox(sandbox_config), sandbox_port))
        await stack.enter_async_context(serving(create_app(core_config), core_port))
        core = await stack.enter_async_context(
            httpx.AsyncClient(base_url=core_config.internal_url, headers={"Authorization": f"Bearer {TOKEN}"})
        )
        sandbox = await stack.enter_async_context(httpx.AsyncClient(base_url=sandbox_config.base_url))
        yield Stack(core, sandbox, webhook, database_url, tmp_path / "media")


async def register(stack: Stack) -> None:
    account = {"cc": "1", "phone_number": "5550001234", "method": "sms", "cert": "c2FuZGJveA=="}
    answer = await stack.core.post("/internal/account", json=account)
    assert answer.json() == {"state": "pending", "vname": "wabiz sandbox 15550001234"}
    wrong = await stack.core.post("/internal/account/verify", json={"code": "000000"})
    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (400, 1009)
    right = await stack.core.post("/internal/account/verify", json={"code": "123456"})
    assert right.json() == {"state": "registered"}


async def test_registration_then_a_text_comes_back_as_status_callbacks(stack: Stack) -> None:
    health = (await stack.core.get("/internal/health")).json()
    assert health["gateway_status"] == "unregistered"
    refused = await stack.core.post("/internal/messages", json={"message": {"to": USER, "type": "text"}})
    assert refused.json()["errors"][0]["code"] == 1011, "unregistered: not ready"

    await register(stack)
    assert (await stack.core.get("/internal/health")).json()["gateway_status"] == "connected"
    message_id = await stack.send(USER, text={"body": "hello"})
    await eventually_async(lambda: len(stack.statuses(message_id)) == 3, what="sent, delivered, read")
    statuses = stack.statuses(message_id)
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert statuses[0]["recipient_id"] == USER
    (row,) = await stack.query("SELECT status, upstream_id FROM messages WHERE id = :id", id=message_id)
    assert row.status == "read"
    assert row.upstream_id.startswith("wamid.")
    received = (await stack.sandbox.get("/control/messages", params={"to": USER})).json()
    assert [m["client_id"] for m in received["messages"]] == [message_id]


async def test_a_message_batch_is_stored_together_with_one_answer_per_message(stack: Stack) -> None:
    """What the WebApp sends when sends pile up: one message's problem is its own."""
    await register(stack)
    good = {"to": USER, "recipient_type": "individual", "type": "text", "text": {"body": "batched"}}
    batch = [good, {"to": "not digits", "type": "text"}, good | {"text": {"body": "second"}}]
    answer = await stack.core.post("/internal/message-batches", json={"messages": batch})
    assert answer.status_code == 200, answer.text
    first, refused, second = answer.json()["results"]
    assert refused["errors"][0]["code"] == 1009 and "wa_id" in refused["errors"][0]["details"]
    for result in (first, second):
        await eventually_async(lambda r=result: len(stack.statuses(r["id"])) == 3, what="every status")
    received = (await stack.sandbox.get("/control/messages", params={"to": USER})).json()
    assert [m["client_id"] for m in received["messages"]] == [first["id"], second["id"]], "in order"
    empty = await stack.core.post("/internal/message-batches", json={"messages": []})
    assert empty.status_code == 400


async def test_sends_the_webapp_stored_go_out_once_when_handed_off(stack: Stack) -> None:
    """The WebApp stores a send and hands it to the shard's owner: sent at once, in order; a
    hand-off repeated after the send (a slow WebApp call) sends nothing twice; a shard this node
    does not hold is left to its owner."""
    await register(stack)
    text_of = [
        {"to": USER, "recipient_type": "individual", "type": "text", "text": {"body": b}} for b in "ab"
    ]
    stored = [Outgoing(new_message_id(), USER, 0, body) for body in text_of]
    engine = make_engine(stack.database_url, 1)
    try:
        async with make_sessionmaker(engine).begin() as session:
            await messages.queue_outgoing(session, stored)
    finally:
        await engine.dispose()
    hand_off = {
        "messages": [{"id": m.id, "wa_id": m.wa_id, "shard": m.shard, "body": m.body} for m in stored]
    }
    taken = await stack.core.post("/internal/queued-messages", json=hand_off)
    assert taken.status_code == 200 and taken.json() == {"taken": 2}, taken.text
    for message in stored:
        await eventually_async(lambda m=message: len(stack.statuses(m.id)) == 3, what="every status")

    async def recorded() -> bool:
        rows = await stack.query("SELECT upstream_id FROM messages WHERE direction = 'out'")
        return all(row.upstream_id for row in rows)

    await eventually_async(recorded, what="the network's ids recorded (the sends finished)")
    again = await stack.core.post("/internal/queued-messages", json=hand_off)
    assert again.json() == {"taken": 0}
    other_shard = {"messages": [hand_off["messages"][0] | {"id": new_message_id(), "shard": 5}]}
    assert (await stack.core.post("/internal/queued-messages", json=other_shard)).json() == {"taken": 0}
    received = (await stack.sandbox.get("/control/messages", params={"to": USER})).json()
    assert [m["client_id"] for m in received["messages"]] == [m.id for m in stored], "once each, in order"
    bad = {"messages": [hand_off["messages"][0] | {"wa_id": "+1 631"}]}
    assert (await stack.core.post("/internal/queued-messages", json=bad)).status_code == 400


async def test_a_registration_finished_by_another_node_is_seen_by_the_next_send(stack: Stack) -> None:
    """Another CoreApp verified the code and stored the account; this node's last heartbeat still
    saw it unregistered, yet a send right away must be accepted rather than refused with 1011."""
    network = {"Authorization": "Bearer sandbox-token"}
    number = {"cc": "1", "phone_number": "5550001234"}
    code = await stack.sandbox.post(
        "/v21.0/account", headers=network, json={**number, "method": "sms", "cert": "eA=="}
    )
    assert code.status_code == 200, code.text
    verified = await stack.sandbox.post(
        "/v21.0/account/verify", headers=network, json={**number, "code": "123456"}
    )
    assert verified.json()["status"] == "registered"
    engine = make_engine(stack.database_url, 1)
    try:
        async with engine.begin() as conn:  # what the other node's verify stored
            await conn.execute(
                text("UPDATE account SET cc = '1', phone_number = '5550001234', state = 'registered'")
            )
    finally:
        await engine.dispose()
    await stack.send(USER, text={"body": "right after the verify"})


async def test_a_recipient_without_whatsapp_fails_with_1013(stack: Stack) -> None:
    await register(stack)
    message_id = await stack.send(NOT_A_USER, text={"body": "hello"})
    failed = (await eventually_async(lambda: stack.statuses(message_id), what="a failed status"))[0]
    assert failed["status"] == "failed"
    assert failed["errors"][0]["code"] == 1013


async def test_inbound_media_is_stored_and_can_be_marked_read(stack: Stack) -> None:
    await register(stack)
    answer = await stack.sandbox.post(
        "/control/inbound", json={"from": USER, "type": "image", "image": {"caption": "look"}}
    )
    wamid = answer.json()["id"]
    callback = (
        await eventually_async(lambda: [c for c in stack.callbacks() if "messages" in c], what="inbound")
    )[0]
    (message,) = callback["messages"]
    assert (message["id"], message["from"], message["image"]["caption"]) == (wamid, USER, "look")
    media_id = message["image"]["id"]
    assert callback["contacts"][0]["wa_id"] == USER

    async def stored() -> list[Any]:
        rows = await stack.query("SELECT stored, source, upstream_id FROM media WHERE id = :id", id=media_id)
        return [row for row in rows if row.stored]

    # auto_download names image; the download follows the commit, so it may end after the callback.
    (media,) = await eventually_async(stored, what="the inbound image stored")
    assert media.source == "inbound"
    assert media.upstream_id != media_id, "the callback carries our id, not the network's"
    fetched = await stack.core.post(f"/internal/media/{media_id}/fetch")
    assert fetched.json() == {"stored": True}

    read = await stack.core.put(f"/internal/messages/{wamid}", json={"status": "read"})
    assert read.json() == {}
    assert wamid in (await stack.sandbox.get("/control/messages")).json()["read_marks"]
    unknown = await stack.core.put("/internal/messages/wamid.nope", json={"status": "read"})
    assert unknown.json()["errors"][0]["code"] == 1006


async def test_contacts_are_checked_upstream(stack: Stack) -> None:
    await register(stack)
    answer = await stack.core.post("/internal/contacts", json={"wa_ids": [USER, NOT_A_USER]})
    assert answer.json() == {"valid": {USER: True, NOT_A_USER: False}}


async def test_the_internal_api_and_the_upstream_webhook_are_authenticated(stack: Stack) -> None:
    anonymous = await stack.core.get("/internal/health", headers={"Authorization": "Bearer wrong"})
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["code"] == 1005

    bad = await stack.core.post("/internal/messages", json={"message": {"to": "+1 631", "type": "text"}})
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (400, 1009)

    challenge = {"hub.mode": "subscribe", "hub.verify_token": "sandbox-verify-token", "hub.challenge": "42"}
    echoed = await stack.core.get("/upstream/webhook", params=challenge)
    assert echoed.text == "42"
    wrong = await stack.core.get("/upstream/webhook", params=challenge | {"hub.verify_token": "x"})
    assert wrong.status_code == 401

    body = orjson.dumps({"object": "whatsapp_business_account", "entry": []})
    forged = await stack.core.post("/upstream/webhook", content=body, headers={HEADER: sign("guess", body)})
    assert forged.status_code == 401
    signed = await stack.core.post(
        "/upstream/webhook", content=body, headers={HEADER: sign("sandbox-app-secret", body)}
    )
    assert signed.status_code == 200
