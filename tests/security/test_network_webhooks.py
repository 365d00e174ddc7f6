"""Callbacks go only where a webhook may be: no metadata service, no internal address, no redirect.

Whoever may change the settings chooses where the CoreApp posts. Outside development mode a
webhook must be a public address or inside a network the operator allowed
(`WABIZ_WEBHOOK_ALLOW_PRIVATE`; the security stack allows only 127.0.0.1/32, its receiver); the
metadata range is refused always. The check runs when the URL is set and again at every delivery,
on the addresses the connection uses. Redirects are not followed and the answer is barely read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address

import httpx
import psycopg
import pytest
from aiohttp import web
from pydantic import ValidationError

from tests.stack.helpers import Receiver, Sandbox, new_user
from tests.stack.shared import wait_settings_applied
from tests.tooling.waiting import eventually
from wabiz.coreapp.webhook_client import WebhookClient
from wabiz.kit.config import CommonConfig
from wabiz.kit.webhook_guard import TargetPolicy, parse_networks, url_refusal
from wabiz.local.stack import Stack

PRODUCTION = TargetPolicy()
DEVELOPMENT = TargetPolicy(allow_loopback=True)
CLUSTER = TargetPolicy(allowed=parse_networks("10.96.0.0/12, 169.254.0.0/16"))


@pytest.mark.parametrize(
    ("address", "production", "development", "cluster"),
    [
        ("8.8.8.8", True, True, True),
        ("2001:4860:4860::8888", True, True, True),
        ("169.254.169.254", False, False, False),  # metadata: even when allowed by name
        ("fd00:ec2::254", False, False, False),
        ("::ffff:169.254.169.254", False, False, False),
        ("64:ff9b::a9fe:a9fe", False, False, False),  # NAT64 of the metadata address
        ("127.0.0.1", False, True, False),
        ("::1", False, True, False),
        ("::ffff:127.0.0.1", False, True, False),
        ("10.96.0.10", False, False, True),
        ("10.0.0.5", False, False, False),
        ("192.168.1.1", False, False, False),
        ("100.64.0.1", False, False, False),  # carrier-grade NAT
        ("fe80::1", False, False, False),
        ("0.0.0.0", False, False, False),
        ("224.0.0.1", False, False, False),
        ("240.0.0.1", False, False, False),
    ],
)
def test_which_addresses_a_webhook_may_reach(
    address: str, production: bool, development: bool, cluster: bool
) -> None:
    verdicts = [policy.refusal(ip_address(address)) is None for policy in (PRODUCTION, DEVELOPMENT, CLUSTER)]
    assert verdicts == [production, development, cluster]


def test_the_allow_list_is_configured_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WABIZ_INTERNAL_TOKEN", "x" * 32)
    monkeypatch.setenv("WABIZ_WEBHOOK_ALLOW_PRIVATE", "10.96.0.0/12,fd00:10::/64")
    policy = CommonConfig().webhook_policy
    assert policy.refusal(ip_address("10.96.12.1")) is None
    assert policy.refusal(ip_address("fd00:10::5")) is None
    assert policy.refusal(ip_address("127.0.0.1")) is not None, "not dev mode: no loopback"
    monkeypatch.setenv("WABIZ_WEBHOOK_ALLOW_PRIVATE", "10.96.0.0/12,cluster")
    with pytest.raises(ValidationError, match="'cluster' is not a network"):
        CommonConfig()


async def test_names_are_judged_by_what_they_resolve_to() -> None:
    refused = await url_refusal("http://localhost:9093/webhook", PRODUCTION)
    assert refused is not None and "localhost resolves to" in refused
    assert await url_refusal("http://localhost:9093/webhook", DEVELOPMENT) is None
    assert await url_refusal("https://unresolvable.invalid/hook", PRODUCTION) is None, "checked at delivery"


@pytest.mark.xdist_group("network")
@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:169.254.169.254]/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://127.0.0.2:9093/webhook",
        "http://[::1]:9093/webhook",
        "http://0.0.0.0:9093/webhook",
    ],
)
def test_a_webhook_at_an_internal_address_is_refused_when_set(api: httpx.Client, url: str) -> None:
    answer = api.patch("/v1/settings/application", json={"webhooks": {"url": url}})
    assert answer.status_code == 400, answer.text
    error = answer.json()["errors"][0]
    assert error["code"] == 1009 and "webhooks.url" in error["details"], error


@pytest.mark.xdist_group("network")
def test_the_allowed_receiver_is_accepted(stack: Stack, api: httpx.Client) -> None:
    receiver_url = stack.components["webhook_receiver"].url + "/webhook"
    answer = api.patch("/v1/settings/application", json={"webhooks": {"url": receiver_url}})
    assert answer.status_code == 200, answer.text


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str]

    def do_POST(self) -> None:
        self.seen.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads `seen`."""


@contextlib.contextmanager
def _listening_on(host: str) -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/hook", seen
    finally:
        server.shutdown()
        server.server_close()


def _store_webhook_url(stack: Stack, url: str) -> None:
    """Write the URL as an old release (or a rebinding name) would have left it: no PATCH check."""
    with psycopg.connect(stack.postgres.dsn(), autocommit=True) as conn:
        conn.execute(
            "UPDATE settings SET value = jsonb_set(value, '{webhooks,url}', %s::jsonb),"
            " version = version + 1 WHERE name = 'application'",
            (json.dumps(url),),
        )
    wait_settings_applied(stack)


def _last_errors(stack: Stack, user: str) -> list[str]:
    with psycopg.connect(stack.postgres.dsn()) as conn:
        rows = conn.execute(
            "SELECT last_error FROM callbacks WHERE payload::text LIKE %s AND last_error IS NOT NULL",
            (f"%{user}%",),
        ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.xdist_group("network")
def test_a_stored_internal_webhook_is_refused_at_delivery_and_nothing_is_lost(
    stack: Stack, api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    receiver_url = stack.components["webhook_receiver"].url + "/webhook"
    user = new_user()
    with _listening_on("127.0.0.2") as (internal, seen):
        try:
            _store_webhook_url(stack, internal)
            sandbox.inbound({"from": user, "type": "text", "text": {"body": "to where?"}})
            errors = eventually(lambda: _last_errors(stack, user), timeout=30, what="a refused delivery")
            assert "127.0.0.2 is loopback" in errors[0], errors
            time.sleep(1)  # a retry or two more
            assert seen == [], "the CoreApp posted to an internal address"
        finally:
            _store_webhook_url(stack, receiver_url)
    eventually(lambda: receiver.messages_from(user), timeout=30, what="the callback, once allowed")
    delivered = [c for c in receiver.callbacks() if user in json.dumps(c["body"])]
    assert all(c["signature_valid"] is True for c in delivered), "signed with the stack's generated secret"


@contextlib.asynccontextmanager
async def _serving(handler: web.RequestHandler) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_redirects_are_not_followed() -> None:
    followed: list[str] = []

    async def target(request: web.Request) -> web.Response:
        followed.append(request.method)
        return web.Response(text="ok")

    async with _serving(target) as elsewhere:

        async def redirect(request: web.Request) -> web.Response:
            raise web.HTTPFound(elsewhere + "/latest/meta-data")

        async with _serving(redirect) as webhook:
            client = WebhookClient(DEVELOPMENT, None)
            try:
                assert await client.post(webhook + "/hook", b"{}") == "HTTP 302"
            finally:
                await client.close()
    assert followed == []


async def test_the_answer_is_barely_read() -> None:
    """A webhook answering 200 and then an endless body: the delivery is done in no time."""

    async def endless(request: web.Request) -> web.StreamResponse:
        await request.read()
        answer = web.StreamResponse()
        answer.enable_chunked_encoding()
        await answer.prepare(request)
        with contextlib.suppress(ConnectionError):
            while True:
                await answer.write(b"x" * 65536)
        return answer

    async with _serving(endless) as webhook:
        client = WebhookClient(DEVELOPMENT, None)
        try:
            async with asyncio.timeout(5):
                assert await client.post(webhook + "/hook", b"{}") is None
        finally:
            await client.close()


async def test_a_name_resolving_to_loopback_is_refused_at_delivery() -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async with _serving(ok) as webhook:
        by_name = webhook.replace("127.0.0.1", "localhost") + "/hook"
        production, development = WebhookClient(PRODUCTION, None), WebhookClient(DEVELOPMENT, None)
        try:
            refused = await production.post(by_name, b"{}")
            assert refused is not None and "localhost resolves to" in refused and "loopback" in refused
            literal = await production.post(webhook + "/hook", b"{}")
            assert literal is not None and literal.startswith("refused: 127.0.0.1 is loopback")
            assert await development.post(by_name, b"{}") is None
        finally:
            await production.close()
            await development.close()
