"""What the WebApp tests share: a running app on a fresh database, logins, and a fake CoreApp.

The app runs in the test's event loop behind `httpx.ASGITransport` with its real lifespan; the
fake CoreApp is a real aiohttp server on a loopback port, registered in `nodes` and `leases` the
way a CoreApp registers itself, so routing and the internal client are exercised for real.
The fixtures `run` and `headers` are this tier's (tests/db/conftest.py); a module that needs
another configuration (test_webapp_media.py) overrides `run` locally.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiohttp import web
from fastapi import FastAPI
from sqlalchemy import text

from wabiz.webapp.app import create_app
from wabiz.webapp.config import WebAppConfig
from wabiz.webapp.coreapp_client import HAND_OFF_PATH
from wabiz.webapp.state import AppState

ADMIN_PASSWORD = "Admin-Pass1!"
API_KEY = "probe-key-0123456789"
INTERNAL_TOKEN = "internal-token-for-the-webapp-tests"  # 32+: also valid outside dev mode
BUSINESS_CC, BUSINESS_NUMBER = "1", "5550001234"


def webapp_config(database_url: str, media_dir: Path, **overrides: Any) -> WebAppConfig:
    values: dict[str, Any] = {
        "dev_mode": True,
        "database_url": database_url,
        "database_pool_size": 2,
        "media_backend": "fs",
        "media_dir": str(media_dir),
        "api_key": API_KEY,
        "internal_token": INTERNAL_TOKEN,
        "route_retry_seconds": 0.5,
        "coreapp_timeout": 2.0,
    }
    return WebAppConfig(**(values | overrides))


@dataclass
class Running:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.wabiz
        return state

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        async with self.state.sessions.begin() as session:
            result = await session.execute(text(statement), params)
            return list(result) if result.returns_rows else []


@asynccontextmanager
async def running(config: WebAppConfig) -> AsyncIterator[Running]:
    app = create_app(config)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://webapp") as client,
    ):
        yield Running(app, client)


@pytest.fixture
async def run(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    async with running(webapp_config(database_url, tmp_path)) as started:
        yield started


@pytest.fixture
async def headers(run: Running) -> dict[str, str]:
    return await admin_headers(run.client)


async def login(client: httpx.AsyncClient, username: str, password: str, **body: Any) -> str:
    answer = await client.post("/v1/users/login", auth=(username, password), json=body or None)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["users"][0]["token"]
    return token


async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    token = await login(client, "admin", "secret", new_password=ADMIN_PASSWORD)
    return {"Authorization": f"Bearer {token}"}


def error(answer: httpx.Response) -> tuple[int, int, str]:
    """(HTTP status, contract code, details) of an error answer."""
    first = answer.json()["errors"][0]
    return answer.status_code, int(first["code"]), str(first["details"])


@dataclass
class FakeCoreApp:
    """Answers `(method, path)` with a canned `(status, JSON)`, or `(status, bytes)` as a PNG image;
    records every request, with its JSON body parsed (any other body as bytes). Hand-offs of stored
    sends (`/internal/queued-messages`, in the background) are taken and recorded apart, in
    `handed_off`, so they never mix with the calls a test waits for (unless `answers` names them)."""

    url: str = ""
    answers: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    handed_off: list[dict[str, Any]] = field(default_factory=list)
    hand_off_calls: int = 0
    _handed: asyncio.Event = field(default_factory=asyncio.Event)

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = orjson.loads(raw) if raw and request.content_type == "application/json" else raw or None
        if (request.method, request.path) == ("POST", HAND_OFF_PATH) and (
            ("POST", HAND_OFF_PATH) not in self.answers
        ):
            self.hand_off_calls += 1
            self.handed_off.extend(body["messages"])
            self._handed.set()
            return web.json_response({"taken": len(body["messages"])})
        self.requests.append((request.method, request.path, dict(request.headers), body))
        status, payload = self.answers.get((request.method, request.path)) or (404, {"errors": []})
        if isinstance(payload, bytes):
            return web.Response(status=status, body=payload, content_type="image/png")
        return web.Response(status=status, body=orjson.dumps(payload), content_type="application/json")

    async def wait_for_hand_offs(self, count: int) -> list[dict[str, Any]]:
        """The stored sends handed to this CoreApp, once there are `count` of them (5 s at most)."""
        async with asyncio.timeout(5):
            while len(self.handed_off) < count:
                self._handed.clear()
                await self._handed.wait()
        return self.handed_off


async def stored_sends(run: Running) -> list[dict[str, Any]]:
    """The bodies of the sends the WebApp stored (`messages`, outbound), oldest first."""
    rows = await run.sql("SELECT body FROM messages WHERE direction = 'out' ORDER BY created_at, ctid")
    return [row.body for row in rows]


@asynccontextmanager
async def fake_coreapp() -> AsyncIterator[FakeCoreApp]:
    fake = FakeCoreApp()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


async def register_node(
    run: Running, node_id: str, url: str, shards: tuple[int, ...] = (0,), master: bool = True
) -> None:
    """What a CoreApp's heartbeat leaves in the database: its node row and its live leases."""
    await run.sql(
        "INSERT INTO nodes (id, hostname, internal_url, gateway_status)"
        " VALUES (:id, 'host', :url, 'connected')",
        id=node_id,
        url=url,
    )
    names = [f"shard:{n}" for n in shards] + (["master"] if master else [])
    for name in names:
        await run.sql(
            "INSERT INTO leases (name, holder, epoch, expires_at)"
            " VALUES (:n, :h, 1, now() + interval '1 hour')",
            n=name,
            h=node_id,
        )


async def register_account(run: Running, shards: int = 1) -> None:
    await run.sql(
        "UPDATE account SET state = 'registered', cc = :cc, phone_number = :pn, shards = :s WHERE id = 1",
        cc=BUSINESS_CC,
        pn=BUSINESS_NUMBER,
        s=shards,
    )
    await run.state.shard_maps.get(fresh=True)


@asynccontextmanager
async def registered_coreapp(
    run: Running, answers: dict[tuple[str, str], tuple[int, Any]]
) -> AsyncIterator[FakeCoreApp]:
    """One fake CoreApp holding the only shard of a registered account, answering `answers`."""
    async with fake_coreapp() as fake:
        fake.answers.update(answers)
        await register_node(run, "node-a", fake.url)
        await register_account(run)
        yield fake
        await run.state.sends.drain()  # hand-offs still lingering reach this CoreApp, not a closed port
