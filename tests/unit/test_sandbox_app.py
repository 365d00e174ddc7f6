"""The sandbox app through HTTP: Cloud API answers, the rules' outcomes as signed webhooks, control API.

The app runs in-process (ASGI); its webhooks go over a real socket to a small aiohttp server in the
same event loop, which keeps the raw bytes so the signature can be checked as the CoreApp would.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from aiohttp import web
from pydantic import SecretStr

from tests.tooling.waiting import eventually_async
from wabiz.kit.signing import HEADER, verify
from wabiz.sandbox.app import create_app
from wabiz.sandbox.config import SandboxConfig

APP_SECRET = "test-app-secret"
TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONTROL_TOKEN = "control-token-for-the-sandbox-tests"
BUSINESS = "15550001234"
USER = "16315551181"
NOT_A_USER = "16315550000"


@dataclass
class Hook:
    """What the sandbox POSTed to the webhook URL: raw bodies with their signature header."""

    url: str = ""
    posts: list[tuple[bytes, str | None]] = field(default_factory=list)
    fail_next: int = 0

    def bodies(self) -> list[dict[str, Any]]:
        return [orjson.loads(raw) for raw, _ in self.posts]

    def values(self) -> list[dict[str, Any]]:
        return [change["value"] for body in self.bodies() for change in body["entry"][0]["changes"]]

    def statuses(self, wamid: str) -> list[dict[str, Any]]:
        return [s for value in self.values() for s in value.get("statuses", []) if s["id"] == wamid]

    def messages(self) -> list[dict[str, Any]]:
        return [m for value in self.values() for m in value.get("messages", [])]


def template(name: str, code: str = "en_US") -> dict[str, Any]:
    return {"type": "template", "template": {"name": name, "language": {"code": code}}}


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    captured = Hook()

    async def receive(request: web.Request) -> web.Response:
        if captured.fail_next > 0:
            captured.fail_next -= 1
            return web.Response(status=500)
        captured.posts.append((await request.read(), request.headers.get(HEADER)))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/webhook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    captured.url = f"http://127.0.0.1:{runner.addresses[0][1]}/webhook"
    yield captured
    await runner.cleanup()


def sandbox_config(hook: Hook, **delays: float) -> SandboxConfig:
    return SandboxConfig(
        token=SecretStr(TOKEN),
        app_secret=SecretStr(APP_SECRET),
        control_token=SecretStr(CONTROL_TOKEN),
        webhook_url=hook.url,
        **delays,
    )


@pytest.fixture
async def sandbox(hook: Hook) -> AsyncIterator[httpx.AsyncClient]:
    """A sandbox with fast statuses and one registered business number (BUSINESS)."""
    app = create_app(sandbox_config(hook, sent_delay=0.01, delivered_delay=0.02, read_delay=0.03))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport,
            base_url="http://sandbox",
            headers={"Authorization": f"Bearer {CONTROL_TOKEN}"},  # Cloud API calls pass AUTH
        ) as client,
    ):
        await register(client)
        yield client


async def register(client: httpx.AsyncClient) -> None:
    number = {"cc": BUSINESS[0], "phone_number": BUSINESS[1:]}
    answer = await client.post("/v21.0/account", json=number | {"method": "sms", "cert": "c"}, headers=AUTH)
    assert answer.json()["status"] == "code_sent"
    answer = await client.post("/v21.0/account/verify", json=number | {"code": "123456"}, headers=AUTH)
    assert answer.json() == {"status": "registered", "phone_number_id": BUSINESS}


async def send(client: httpx.AsyncClient, to: str, **fields: Any) -> str:
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    body |= fields or {"type": "text", "text": {"body": "hello"}}
    answer = await client.post(f"/v21.0/{BUSINESS}/messages", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    wamid: str = answer.json()["messages"][0]["id"]
    return wamid


async def inbound(client: httpx.AsyncClient, message: dict[str, Any]) -> httpx.Response:
    return await client.post("/control/inbound", json=message)


async def final_status(hook: Hook, wamid: str, wanted: str) -> dict[str, Any]:
    statuses = await eventually_async(
        lambda: [s for s in hook.statuses(wamid) if s["status"] == wanted], what=f"a {wanted} status"
    )
    return statuses[0]


async def test_send_answers_like_the_cloud_api(sandbox: httpx.AsyncClient) -> None:
    body = {"messaging_product": "whatsapp", "to": "+1 631-555-1181", "type": "text", "text": {"body": "hi"}}
    answer = await sandbox.post(f"/v21.0/{BUSINESS}/messages", json=body, headers=AUTH)
    assert answer.status_code == 200
    payload = answer.json()
    assert payload["messaging_product"] == "whatsapp"
    assert payload["contacts"] == [{"input": "+1 631-555-1181", "wa_id": USER}]
    assert payload["messages"][0]["id"].startswith("wamid.")


@pytest.mark.parametrize(
    ("path", "headers", "body", "status", "code"),
    [
        (f"/v21.0/{BUSINESS}/messages", {}, {"messaging_product": "whatsapp"}, 401, 190),
        (f"/v21.0/{BUSINESS}/messages", {"Authorization": "Bearer wrong"}, {}, 401, 190),
        # An unknown number while the sandbox has just started (test_an_unknown_business_number_…)
        ("/v21.0/19999999999/messages", AUTH, {"messaging_product": "whatsapp"}, 503, 131016),
        (f"/v21.0/{BUSINESS}/messages", AUTH, {"to": USER, "type": "text", "text": {}}, 400, 100),
        (f"/v21.0/{BUSINESS}/messages", AUTH, {"messaging_product": "whatsapp", "to": "me"}, 400, 100),
    ],
)
async def test_refused_sends_use_the_cloud_error_shape(
    sandbox: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any, status: int, code: int
) -> None:
    answer = await sandbox.post(path, json=body, headers=headers)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["type"] == "OAuthException"
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert error["fbtrace_id"]


async def test_registration(sandbox: httpx.AsyncClient) -> None:
    number = {"cc": "44", "phone_number": "7700 900123"}
    answer = await sandbox.post("/v21.0/account/verify", json=number | {"code": "123456"}, headers=AUTH)
    assert answer.status_code == 400, "no code was requested"
    answer = await sandbox.post(
        "/v21.0/account", json=number | {"method": "voice", "cert": "c"}, headers=AUTH
    )
    assert answer.json() == {"status": "code_sent", "vname": "wabiz sandbox 447700900123"}
    answer = await sandbox.post("/v21.0/account/verify", json=number | {"code": "654321"}, headers=AUTH)
    assert answer.json()["error"]["code"] == 136025
    answer = await sandbox.post("/v21.0/account/verify", json=number | {"code": "123456"}, headers=AUTH)
    assert answer.json() == {"status": "registered", "phone_number_id": "447700900123"}
    answer = await sandbox.post("/v21.0/account", json=number | {"method": "sms", "cert": "c"}, headers=AUTH)
    assert answer.json() == {"status": "registered", "phone_number_id": "447700900123"}
    answer = await sandbox.post("/v21.0/account", json=number | {"method": "fax"}, headers=AUTH)
    assert answer.status_code == 400


@pytest.mark.parametrize(
    ("grace", "status", "code"),
    [(300.0, 503, 131016), (0.0, 400, 100)],
    ids=["just started: retry later", "after the grace: does not exist"],
)
async def test_an_unknown_business_number_is_refused(
    hook: Hook, grace: float, status: int, code: int
) -> None:
    """A restarted sandbox has forgotten every number: while its clients may still be registering
    theirs again the refusal is retryable, afterwards it is for good."""
    app = create_app(sandbox_config(hook, registration_grace=grace))
    body = {"messaging_product": "whatsapp", "to": "16315551181", "type": "text", "text": {"body": "hi"}}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as client:
        for path in (f"/v21.0/{BUSINESS}/messages", f"/v21.0/{BUSINESS}/contacts"):
            answer = await client.post(path, json=body, headers=AUTH)
            assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), path


async def test_contacts_follow_the_user_rule(sandbox: httpx.AsyncClient) -> None:
    numbers = ["+1 631-555-1181", "+1 631-555-0000", "123"]
    answer = await sandbox.post(f"/v21.0/{BUSINESS}/contacts", json={"contacts": numbers}, headers=AUTH)
    assert answer.json()["contacts"] == [
        {"input": "+1 631-555-1181", "status": "valid", "wa_id": USER},
        {"input": "+1 631-555-0000", "status": "invalid"},
        {"input": "123", "status": "invalid"},
    ]


async def test_inbound_message_is_a_signed_webhook(sandbox: httpx.AsyncClient, hook: Hook) -> None:
    answer = await inbound(
        sandbox, {"from": USER, "type": "text", "text": {"body": "hi"}, "profile_name": "Kerry"}
    )
    assert answer.status_code == 200
    wamid = answer.json()["id"]
    await eventually_async(hook.messages, what="the inbound message at the hook")
    raw, signature = hook.posts[0]
    assert verify(APP_SECRET, raw, signature)
    body = orjson.loads(raw)
    assert body["object"] == "whatsapp_business_account"
    value = body["entry"][0]["changes"][0]["value"]
    assert value["metadata"] == {"display_phone_number": BUSINESS, "phone_number_id": BUSINESS}
    assert value["contacts"] == [{"profile": {"name": "Kerry"}, "wa_id": USER}]
    message = value["messages"][0]
    assert (message["id"], message["from"], message["type"]) == (wamid, USER, "text")
    assert message["text"] == {"body": "hi"}


async def test_statuses_arrive_in_order_inside_the_window(sandbox: httpx.AsyncClient, hook: Hook) -> None:
    await inbound(sandbox, {"from": USER, "type": "text", "text": {"body": "hi"}})
    wamid = await send(sandbox, USER, type="text", text={"body": "hello"}, biz_opaque_callback_data="m-1")
    await final_status(hook, wamid, "read")
    statuses = hook.statuses(wamid)
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert all(s["recipient_id"] == USER and s["biz_opaque_callback_data"] == "m-1" for s in statuses)
    assert statuses[0]["pricing"]["category"] == "service"
    assert int(statuses[0]["timestamp"]) > 0


async def test_statuses_stay_ordered_with_equal_delays(sandbox: httpx.AsyncClient, hook: Hook) -> None:
    patch = {"sent_delay": 0, "delivered_delay": 0, "read_delay": 0, "enforce_window": False}
    await sandbox.patch("/control/config", json=patch)
    wamids = [await send(sandbox, USER) for _ in range(20)]
    for wamid in wamids:
        await final_status(hook, wamid, "read")
        assert [s["status"] for s in hook.statuses(wamid)] == ["sent", "delivered", "read"]


async def test_outside_the_window_only_templates_go_through(sandbox: httpx.AsyncClient, hook: Hook) -> None:
    wamid = await send(sandbox, USER)
    failed = await final_status(hook, wamid, "failed")
    assert failed["errors"][0]["code"] == 131047
    assert set(failed["errors"][0]) == {"code", "title", "message", "error_data"}
    wamid = await send(sandbox, USER, **template("hello_world"))
    delivered = await final_status(hook, wamid, "delivered")
    assert delivered["pricing"] == {
        "billable": True,
        "pricing_model": "PMP",
        "type": "regular",
        "category": "marketing",
    }
    await sandbox.patch("/control/config", json={"enforce_window": False})
    await final_status(hook, await send(sandbox, USER), "delivered")


@pytest.mark.parametrize(
    ("to", "fields", "code"),
    [
        (NOT_A_USER, template("hello_world"), 131026),
        (USER, template("nope"), 132001),
        (USER, template("hello_world", "de"), 132001),
        (USER, template("otp"), 132000),
        (USER, {"type": "hologram", "hologram": {}}, 131051),
    ],
)
async def test_undeliverable_sends_fail(
    sandbox: httpx.AsyncClient, hook: Hook, to: str, fields: dict[str, Any], code: int
) -> None:
    wamid = await send(sandbox, to, **fields)
    failed = await final_status(hook, wamid, "failed")
    assert failed["errors"][0]["code"] == code
    assert [s["status"] for s in hook.statuses(wamid)] == ["failed"]


async def test_failure_rate_is_seeded(sandbox: httpx.AsyncClient, hook: Hook) -> None:
    await sandbox.patch("/control/config", json={"failure_rate": 0.5, "seed": 7, "enforce_window": False})
    first = [await send(sandbox, USER) for _ in range(10)]
    await sandbox.patch("/control/config", json={"seed": 7})
    second = [await send(sandbox, USER) for _ in range(10)]

    def outcomes(wamids: list[str]) -> list[str]:
        return [hook.statuses(w)[0]["status"] for w in wamids]

    await eventually_async(
        lambda: all(hook.statuses(w) for w in first + second), what="a status of every send"
    )
    assert outcomes(first) == outcomes(second)
    assert "failed" in outcomes(first)
    assert "sent" in outcomes(first)
    failed = next(s for w in first for s in hook.statuses(w) if s["status"] == "failed")
    assert failed["errors"][0]["code"] == 131000


async def test_statuses_are_batched_into_few_posts(sandbox: httpx.AsyncClient, hook: Hook) -> None:
    await sandbox.patch("/control/config", json={"enforce_window": False})
    wamids = [await send(sandbox, USER) for _ in range(100)]
    await eventually_async(
        lambda: all(len(hook.statuses(w)) == 3 for w in wamids), what="three statuses per send"
    )
    assert len(hook.posts) < 100, "300 statuses travel in far fewer POSTs"
    assert all(verify(APP_SECRET, raw, signature) for raw, signature in hook.posts)


async def test_failed_posts_are_retried(sandbox: httpx.AsyncClient, hook: Hook) -> None:
    hook.fail_next = 1
    await inbound(sandbox, {"from": USER, "type": "text", "text": {"body": "again"}})
    await eventually_async(hook.messages, what="the inbound message, retried")
    assert hook.fail_next == 0


async def test_duplicates_are_counted(sandbox: httpx.AsyncClient) -> None:
    await send(sandbox, USER, type="text", text={"body": "once"}, biz_opaque_callback_data="m-1")
    await send(sandbox, USER, type="text", text={"body": "once"}, biz_opaque_callback_data="m-1")
    await send(sandbox, "4915112345678", type="text", text={"body": "other"}, biz_opaque_callback_data="m-2")
    received = (await sandbox.get("/control/messages")).json()
    assert (received["total"], received["unique"], received["duplicates"]) == (3, 2, 1)
    first = received["messages"][0]
    assert (first["to"], first["type"], first["client_id"], first["count"]) == (USER, "text", "m-1", 2)
    assert first["body"]["text"] == {"body": "once"}
    only = (await sandbox.get("/control/messages", params={"to": "+49 151 12345678"})).json()
    assert [m["client_id"] for m in only["messages"]] == ["m-2"]
    assert (await sandbox.post("/control/reset")).json() == {"status": "ok"}
    assert (await sandbox.get("/control/messages")).json()["total"] == 0


async def test_mark_read_is_recorded(sandbox: httpx.AsyncClient) -> None:
    wamid = (await inbound(sandbox, {"from": USER, "type": "text", "text": {"body": "hi"}})).json()["id"]
    body = {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
    answer = await sandbox.post(f"/v21.0/{BUSINESS}/messages", json=body, headers=AUTH)
    assert answer.json() == {"success": True}
    assert (await sandbox.get("/control/messages")).json()["read_marks"] == [wamid]


async def test_media_round_trip(sandbox: httpx.AsyncClient) -> None:
    data = b"%PDF-1.4 sandbox"
    answer = await sandbox.post(
        f"/v21.0/{BUSINESS}/media",
        data={"messaging_product": "whatsapp", "type": "application/pdf"},
        files={"file": ("a.pdf", data, "application/pdf")},
        headers=AUTH,
    )
    assert answer.status_code == 200, answer.text
    media_id = answer.json()["id"]
    info = (await sandbox.get(f"/v21.0/{media_id}", headers=AUTH)).json()
    assert info["mime_type"] == "application/pdf"
    assert info["file_size"] == len(data)
    assert info["url"] == f"http://127.0.0.1:9092/media-download/{media_id}"
    download = await sandbox.get(f"/media-download/{media_id}", headers=AUTH)
    assert download.content == data
    assert download.headers["content-type"] == "application/pdf"
    assert (await sandbox.get(f"/media-download/{media_id}")).status_code == 401
    assert (await sandbox.get("/v21.0/no-such-media", headers=AUTH)).status_code == 404


async def test_media_upload_needs_the_cloud_fields(sandbox: httpx.AsyncClient) -> None:
    files = {"file": ("a.bin", b"x", "application/octet-stream")}
    answer = await sandbox.post(f"/v21.0/{BUSINESS}/media", files=files, headers=AUTH)
    assert "messaging_product" in answer.json()["error"]["error_data"]["details"]
    answer = await sandbox.post(
        f"/v21.0/{BUSINESS}/media", data={"messaging_product": "whatsapp"}, files={}, headers=AUTH
    )
    assert answer.status_code == 400


async def test_inbound_media_is_generated_or_given(sandbox: httpx.AsyncClient, hook: Hook) -> None:
    await inbound(sandbox, {"from": USER, "type": "image", "image": {"caption": "look"}})
    pdf = base64.b64encode(b"%PDF-1.4").decode()
    document = {"mime_type": "application/pdf", "data": pdf, "filename": "a.pdf"}
    await inbound(sandbox, {"from": USER, "type": "document", "document": document})
    image, doc = await eventually_async(
        lambda: hook.messages() if len(hook.messages()) == 2 else None, what="both media messages"
    )
    assert image["image"]["caption"] == "look"
    png = await sandbox.get(f"/media-download/{image['image']['id']}", headers=AUTH)
    assert png.content.startswith(b"\x89PNG")
    assert png.headers["content-type"] == "image/png"
    assert doc["document"]["filename"] == "a.pdf"
    info = (await sandbox.get(f"/v21.0/{doc['document']['id']}", headers=AUTH)).json()
    assert info["sha256"] == doc["document"]["sha256"]
    assert info["file_size"] == len(b"%PDF-1.4")


@pytest.mark.parametrize(
    ("message", "status", "says"),
    [
        ({"from": "123", "type": "text", "text": {"body": "x"}}, 400, "from"),
        ({"from": USER, "type": "hologram"}, 400, "not supported"),
        ({"from": USER, "type": "text", "text": "hi"}, 400, "body"),
        ({"from": USER, "type": "text", "text": {"body": "x"}, "to": "19999999999"}, 409, "registered"),
    ],
)
async def test_inbound_is_validated(
    sandbox: httpx.AsyncClient, message: dict[str, Any], status: int, says: str
) -> None:
    answer = await inbound(sandbox, message)
    assert answer.status_code == status
    assert says in answer.json()["error"]


async def test_config_changes_at_run_time(sandbox: httpx.AsyncClient) -> None:
    assert (await sandbox.get("/control/config")).json()["read_delay"] == 0.03
    changed = await sandbox.patch("/control/config", json={"read_delay": 2, "failure_rate": 0.1})
    assert changed.json()["read_delay"] == 2
    assert (await sandbox.get("/control/config")).json()["failure_rate"] == 0.1
    assert (await sandbox.patch("/control/config", json={"failure_rate": 2})).status_code == 400
    assert (await sandbox.patch("/control/config", json={"colour": "red"})).status_code == 400
    assert (await sandbox.patch("/control/config", content=b"[1]")).status_code == 400


async def test_templates_and_health_and_unknown_routes(sandbox: httpx.AsyncClient) -> None:
    health = (await sandbox.get("/healthz")).json()
    assert health == {"status": "ok", "instance": health["instance"]} and len(health["instance"]) == 16
    listing = (await sandbox.get("/control/templates")).json()
    assert listing["namespace"] == "wabiz_sandbox"
    assert {t["name"] for t in listing["templates"]} == {"hello_world", "order_update", "otp"}
    missing = await sandbox.get("/no/such/route")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 100


async def test_events_without_a_webhook_url_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(SandboxConfig(token=SecretStr(TOKEN), webhook_url=None, dev_mode=True))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client,
    ):
        await register(client)
        answer = await inbound(client, {"from": USER, "type": "text", "text": {"body": "hi"}})
        assert answer.status_code == 200
        await eventually_async(lambda: "no webhook_url configured" in caplog.text, what="the warning logged")


async def test_stopping_emits_and_posts_what_is_still_due(hook: Hook) -> None:
    """A sandbox replaced in a rolling upgrade still emits the statuses of the messages it took and
    posts them, retries included, before it stops: the network loses no status."""
    app = create_app(
        sandbox_config(hook, sent_delay=0.2, delivered_delay=0.4, read_delay=0.6, drain_seconds=10)
    )
    hook.fail_next = 2  # the client is briefly unreachable too
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://sandbox",
            headers={"Authorization": f"Bearer {CONTROL_TOKEN}"},
        ) as client,
    ):
        await register(client)
        wamid = await send(client, USER, type="template", template=template("hello_world")["template"])
    assert [s["status"] for s in hook.statuses(wamid)] == ["sent", "delivered", "read"]
