"""`no_wait` contact checks are bounded: a client in a loop cannot pile up background work.

The WebApp runs in-process on a real database; the CoreApp is a real HTTP server that holds every
contact check until the test releases it, so the checks the WebApp keeps in flight can be counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.db.webapp_harness import (
    Running,
    admin_headers,
    register_account,
    register_node,
    running,
    webapp_config,
)
from tests.tooling.waiting import eventually_async
from wabiz.webapp.contacts.background import MAX_CHECKS, MAX_RUNNING

CLIENT_REQUESTS = MAX_CHECKS + 36


@dataclass
class HeldCoreApp:
    """Answers contact checks only once `release` is set; counts how many it held at once."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    held: int = 0
    most_held: int = 0
    asked: list[list[str]] = field(default_factory=list)

    async def contacts(self, request: web.Request) -> web.Response:
        wa_ids = (await request.json())["wa_ids"]
        self.asked.append(wa_ids)
        self.held += 1
        self.most_held = max(self.most_held, self.held)
        await self.release.wait()
        self.held -= 1
        return web.json_response({"valid": dict.fromkeys(wa_ids, True)})


@pytest.fixture
async def held(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Running, HeldCoreApp, dict[str, str]]]:
    coreapp = HeldCoreApp()
    app = web.Application()
    app.router.add_post("/internal/contacts", coreapp.contacts)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        async with running(webapp_config(database_url, tmp_path, coreapp_timeout=30.0)) as run:
            await register_node(run, "node-a", f"http://127.0.0.1:{runner.addresses[0][1]}")
            await register_account(run)
            yield run, coreapp, await admin_headers(run.client)
            coreapp.release.set()
    finally:
        await runner.cleanup()


async def _no_wait(client: httpx.AsyncClient, headers: dict[str, str], number: str) -> str:
    body = {"blocking": "no_wait", "contacts": [number]}
    answer = await client.post("/v1/contacts", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    status: str = answer.json()["contacts"][0]["status"]
    return status


async def test_background_checks_are_bounded(held: tuple[Running, HeldCoreApp, dict[str, str]]) -> None:
    run, coreapp, headers = held
    numbers = [f"1631555{n:04d}1" for n in range(CLIENT_REQUESTS)]
    statuses = [await _no_wait(run.client, headers, number) for number in numbers]
    await eventually_async(lambda: coreapp.held == MAX_RUNNING, what="the started checks at the CoreApp")
    await asyncio.sleep(0.2)  # time for more to arrive, if more were let through
    assert statuses.count("processing") == MAX_CHECKS
    assert statuses.count("failed") == CLIENT_REQUESTS - MAX_CHECKS, "no room: retry later"
    assert coreapp.most_held == MAX_RUNNING
    assert await _no_wait(run.client, headers, numbers[0]) == "processing", "already being checked"
    coreapp.release.set()
    await eventually_async(lambda: not run.state.contact_checks.pending, what="the pending checks done")
    assert len(coreapp.asked) == MAX_CHECKS, "one check per pending number, never a second"
    assert await _no_wait(run.client, headers, numbers[-1]) == "processing", "room again"
