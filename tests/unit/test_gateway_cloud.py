"""The Cloud API gateway against a recording HTTP server: paths, bearer, bodies, error mapping."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from tests.tooling.recording_server import RecordingServer, recording_server
from wabiz.gateway.base import UpstreamError
from wabiz.gateway.cloud import CloudApiGateway, error_from
from wabiz.gateway.sandbox import SandboxGateway
from wabiz.kit.errors import NotReady

PNID = "15550001234"
BEARER = {"Authorization": "Bearer tok"}


@pytest.fixture
async def upstream() -> AsyncIterator[RecordingServer]:
    async with recording_server() as server:
        yield server


def cloud(upstream: RecordingServer, http: aiohttp.ClientSession) -> CloudApiGateway:
    return CloudApiGateway(upstream.url, "v21.0", PNID, "tok", http)


async def test_send_posts_the_body_with_the_bearer(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    upstream.default = (200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.1"}]})
    gateway = cloud(upstream, http)
    assert await gateway.status() == "connecting"
    assert await gateway.send({"to": "1631", "type": "text", "text": {"body": "hi"}}) == "wamid.1"
    (request,) = upstream.requests
    assert (request.method, request.path) == ("POST", f"/v21.0/{PNID}/messages")
    assert request.headers["Authorization"] == BEARER["Authorization"]
    assert request.json()["text"] == {"body": "hi"}
    assert await gateway.status() == "connected"


async def test_mark_read(upstream: RecordingServer, http: aiohttp.ClientSession) -> None:
    upstream.default = (200, {"success": True})
    await cloud(upstream, http).mark_read("wamid.in")
    assert upstream.requests[0].json() == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.in",
    }


async def test_a_cloud_refusal_is_permanent_and_keeps_code_and_details(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    error = {"message": "(#100) Invalid parameter", "code": 100, "error_data": {"details": "bad to"}}
    upstream.default = (400, {"error": error})
    with pytest.raises(UpstreamError) as caught:
        await cloud(upstream, http).send({"to": "x"})
    assert (caught.value.code, caught.value.details, caught.value.retryable) == (100, "bad to", False)


@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (500, {"error": {"message": "oops", "code": 1}}),
        (503, b"<html>bad gateway</html>"),
        (400, {"error": {"message": "throughput", "code": 130429}}),
        (200, {"unexpected": True}),
        (200, b"not json"),
    ],
)
async def test_transient_failures_are_retryable(
    upstream: RecordingServer, http: aiohttp.ClientSession, status: int, payload: object
) -> None:
    upstream.default = (status, payload)
    with pytest.raises(UpstreamError) as caught:
        await cloud(upstream, http).send({"to": "1631"})
    assert caught.value.retryable


async def test_an_unreachable_upstream_is_retryable_and_disconnected(http: aiohttp.ClientSession) -> None:
    async with recording_server() as gone:
        gateway = cloud(gone, http)
    with pytest.raises(UpstreamError) as caught:
        await gateway.send({"to": "1631"})
    assert caught.value.retryable
    assert await gateway.status() == "disconnected"


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def _read(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def test_media_upload_info_and_download(upstream: RecordingServer, http: aiohttp.ClientSession) -> None:
    gateway = cloud(upstream, http)
    upstream.answers = [
        (200, {"id": "up-1"}),
        (200, {"url": upstream.url + "/dl/up-1", "mime_type": "image/png", "sha256": "ab", "file_size": 3}),
        (200, b"png"),
    ]
    assert await gateway.upload_media(_chunks(b"p", b"ng"), 3, "image/png") == "up-1"
    info = await gateway.media_info("up-1")
    assert (info.mime_type, info.sha256, info.file_size) == ("image/png", "ab", 3)
    assert await _read(gateway.download(info.url, limit=3)) == b"png"
    upload, lookup, download = upstream.requests
    assert upload.path == f"/v21.0/{PNID}/media"
    assert b'name="file"' in upload.body and b"image/png" in upload.body and b"\r\npng\r\n" in upload.body
    assert upload.headers["Content-Length"] == str(len(upload.body)), "streamed, yet not chunked"
    assert lookup.path == "/v21.0/up-1"
    assert download.headers["Authorization"] == BEARER["Authorization"], "media URLs need the token"


async def test_a_download_declared_over_its_limit_is_refused_for_good(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    upstream.default = (200, b"x" * 1000)
    with pytest.raises(UpstreamError) as caught:
        await _read(cloud(upstream, http).download(upstream.url + "/dl/big", limit=999))
    assert not caught.value.retryable
    assert "999 bytes" in caught.value.details


async def test_a_streamed_download_is_cut_off_at_its_limit(http: aiohttp.ClientSession) -> None:
    """No Content-Length to go by: the count stops it, after about the limit, not at the end."""
    served: list[int] = []

    async def endless(request: web.Request) -> web.StreamResponse:
        answer = web.StreamResponse()
        answer.enable_chunked_encoding()
        await answer.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(10_000):
                await answer.write(b"x" * 65536)
                served.append(65536)
        return answer

    app = web.Application()
    app.router.add_get("/dl", endless)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/dl"
    try:
        with pytest.raises(UpstreamError) as caught:
            await _read(CloudApiGateway(url, "v21.0", PNID, "tok", http).download(url, limit=1024 * 1024))
    finally:
        await runner.cleanup()
    assert "1048576 bytes" in caught.value.details
    assert sum(served) < 64 * 1024 * 1024, "the download stopped long before the server ran out"


async def test_cloud_contacts_follow_the_documented_plausibility_rule(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    valid = await cloud(upstream, http).check_contacts(["16315551181", "1234", "1234567890123456"])
    assert valid == {"16315551181": True, "1234": False, "1234567890123456": False}
    assert upstream.requests == [], "the Cloud API has no contact check"


async def test_cloud_registration_is_not_available(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    with pytest.raises(NotReady):
        await cloud(upstream, http).request_code("1", "5550001234", "sms", "cert", None)


async def test_sandbox_extensions(upstream: RecordingServer, http: aiohttp.ClientSession) -> None:
    gateway = SandboxGateway(upstream.url, "v21.0", "", "tok", http)
    upstream.answers = [
        (200, {"status": "code_sent", "vname": "Acme"}),
        (200, {"status": "registered", "phone_number_id": PNID}),
        (
            200,
            {
                "contacts": [
                    {"input": "+16315551181", "status": "valid"},
                    {"input": "+1", "status": "invalid"},
                ]
            },
        ),
    ]
    pending = await gateway.request_code("1", "5550001234", "sms", "cert", None)
    assert (pending.state, pending.vname) == ("pending", "Acme")
    assert (await gateway.verify_code("1", "5550001234", "123456")).state == "registered"
    gateway.use_account("1", "5550001234")
    assert await gateway.check_contacts(["16315551181", "1"]) == {"16315551181": True, "1": False}
    paths = [r.path for r in upstream.requests]
    assert paths == ["/v21.0/account", "/v21.0/account/verify", f"/v21.0/{PNID}/contacts"]


async def test_the_sandbox_gateway_registers_again_with_a_restarted_sandbox(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    """The health check of every heartbeat: a new sandbox instance has forgotten the number."""
    gateway = SandboxGateway(upstream.url, "v21.0", "", "tok", http)
    gateway.use_account("1", "5550001234")
    still_known = {"status": "registered", "phone_number_id": PNID}
    upstream.answers = [
        (200, {"status": "ok", "instance": "a"}),
        (200, still_known),  # the first beat of this node: one call, the sandbox knew the number
        (200, {"status": "ok", "instance": "a"}),  # same instance: nothing to do
        (200, {"status": "ok", "instance": "b"}),  # restarted: the number is forgotten
        (200, {"status": "code_sent", "vname": "wabiz sandbox"}),
        (200, still_known),
        (503, {"error": {"code": 131016, "message": "Service unavailable"}}),  # while it starts
        (200, {"status": "ok", "instance": "c"}),
        (400, {"error": {"code": 100, "message": "(#100) Invalid parameter"}}),
        (200, {"status": "ok", "instance": "c"}),
        (200, still_known),
    ]
    assert [await gateway.status() for _ in range(6)] == ["connected"] * 3 + ["disconnected"] * 2 + [
        "connected"
    ]
    calls = [(r.path, r.json() if r.body else None) for r in upstream.requests]
    number = {"cc": "1", "phone_number": "5550001234"}
    assert [path for path, _ in calls] == [
        "/healthz",
        "/v21.0/account",
        "/healthz",
        "/healthz",
        "/v21.0/account",
        "/v21.0/account/verify",
        "/healthz",
        "/healthz",
        "/v21.0/account",
        "/healthz",
        "/v21.0/account",
    ], "a failed registration is tried again at the next beat"
    assert calls[5][1] == number | {"code": "123456"}


async def test_the_sandbox_gateway_registers_nothing_before_the_node_is_registered(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    upstream.default = (200, {"status": "ok", "instance": "a"})
    gateway = SandboxGateway(upstream.url, "v21.0", "", "tok", http)
    assert await gateway.status() == "connected"
    assert [r.path for r in upstream.requests] == ["/healthz"]


def test_error_from_tolerates_any_error_body() -> None:
    assert error_from(502, None).retryable
    assert error_from(400, {"error": "text"}).code == 400
    assert error_from(400, {"error": {"code": "100", "error_data": []}}).details == "HTTP 400"


async def test_the_business_profile_is_read_and_changed_on_the_phone_number(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    profile = {"messaging_product": "whatsapp", "about": "hi", "websites": ["https://a.example"]}
    upstream.answers = [(200, {"data": [profile]}), (200, {"success": True})]
    gateway = cloud(upstream, http)
    assert await gateway.business_profile() == {"about": "hi", "websites": ["https://a.example"]}
    await gateway.update_business_profile({"about": "hello", "vertical": "RETAIL"})
    read, change = upstream.requests
    assert read.method == "GET"
    assert read.path == (
        f"/v21.0/{PNID}/whatsapp_business_profile"
        "?fields=about,address,description,email,profile_picture_url,websites,vertical"
    )
    assert (change.method, change.path) == ("POST", f"/v21.0/{PNID}/whatsapp_business_profile")
    assert change.json() == {"messaging_product": "whatsapp", "about": "hello", "vertical": "RETAIL"}


async def test_a_profile_answer_without_data_is_retryable(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    upstream.default = (200, {"data": []})
    with pytest.raises(UpstreamError) as caught:
        await cloud(upstream, http).business_profile()
    assert caught.value.retryable


async def test_the_profile_photo_goes_up_through_the_resumable_upload_api(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    upstream.answers = [(200, {"id": "upload:abc?sig=xyz"}), (200, {"h": "2:handle"})]
    assert await cloud(upstream, http).upload_profile_photo(b"\x89PNG-bytes", "image/png") == "2:handle"
    session, data = upstream.requests
    assert (session.method, session.path) == ("POST", "/v21.0/app/uploads?file_length=10&file_type=image/png")
    assert (data.method, data.path) == ("POST", "/v21.0/upload:abc?sig=xyz"), "the session id as given"
    assert data.headers["file_offset"] == "0"
    assert data.headers["Authorization"] == BEARER["Authorization"]
    assert data.body == b"\x89PNG-bytes"


async def test_the_profile_photo_is_fetched_without_our_token_and_within_its_limit(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    upstream.default = (200, b"photo-bytes")
    gateway = cloud(upstream, http)
    photo = await gateway.download_profile_photo(upstream.url + "/photo/1", limit=100)
    assert photo.data == b"photo-bytes"
    assert "Authorization" not in upstream.requests[0].headers, "the CDN link is public"
    with pytest.raises(UpstreamError) as caught:
        await gateway.download_profile_photo(upstream.url + "/photo/1", limit=5)
    assert "larger than 5 bytes" in caught.value.details
    upstream.default = (404, {"error": "gone"})
    with pytest.raises(UpstreamError):
        await gateway.download_profile_photo(upstream.url + "/photo/1", limit=100)


async def test_the_pin_is_set_on_the_phone_number(
    upstream: RecordingServer, http: aiohttp.ClientSession
) -> None:
    upstream.default = (200, {"success": True})
    await cloud(upstream, http).set_pin("246810")
    (request,) = upstream.requests
    assert (request.method, request.path, request.json()) == ("POST", f"/v21.0/{PNID}", {"pin": "246810"})
