"""A tiny aiohttp server in the test's event loop: records requests, answers what the test says.

Used as the business webhook (callbacks) and as a fake upstream (gateway), so the code under test
talks real HTTP over a real socket without any other process.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from wabiz.local.ports import pick


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class RecordingServer:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    # (status, JSON body or raw bytes) answered to the next requests; then `default`.
    answers: list[tuple[int, Any]] = field(default_factory=list)
    default: tuple[int, Any] = (200, {"ok": True})

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(Recorded(request.method, request.path_qs, dict(request.headers), body))
        status, payload = self.answers.pop(0) if self.answers else self.default
        if isinstance(payload, bytes):
            return web.Response(status=status, body=payload, content_type="text/html")
        return web.Response(status=status, body=orjson.dumps(payload), content_type="application/json")


@asynccontextmanager
async def recording_server(tls: ssl.SSLContext | None = None) -> AsyncIterator[RecordingServer]:
    """Plain HTTP, or HTTPS with the server context `tls`."""
    server = RecordingServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = pick()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=tls).start()
    server.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()
