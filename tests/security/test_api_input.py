"""Hostile input to the REST API: other scripts' digits, oversize uploads, media a browser would run."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from io import BytesIO
from pathlib import Path

import httpx
import pytest

from tests.db.webapp_harness import (
    BUSINESS_CC,
    BUSINESS_NUMBER,
    Running,
    admin_headers,
    error,
    register_account,
    running,
    webapp_config,
)
from tests.security.conftest import StartWebApp

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MIB = 1024 * 1024


@pytest.fixture
async def run(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    async with running(webapp_config(database_url, tmp_path)) as started:
        yield started


async def test_digits_of_other_scripts_are_no_phone_number(run: Running) -> None:
    headers = await admin_headers(run.client)
    await register_account(run)
    own = f"+{BUSINESS_CC}{BUSINESS_NUMBER}".translate(ARABIC_INDIC)
    for number in ("+١٦٣١٥٥٥١١٨١", own, "+1 631-555-1181".translate(ARABIC_INDIC)):
        checked = await run.client.post(
            "/v1/contacts", headers=headers, json={"blocking": "wait", "contacts": [number]}
        )
        assert checked.json()["contacts"] == [{"input": number, "status": "invalid"}], number
        sent = await run.client.post(
            "/v1/messages", headers=headers, json={"to": number, "type": "text", "text": {"body": "hi"}}
        )
        assert error(sent)[:2] == (400, 1009), number
    registration = await run.client.post(
        "/v1/account",
        headers=headers,
        json={"cc": "١", "phone_number": "٥٥٥٠١٠٠", "method": "sms", "cert": "Y2VydA=="},
    )
    assert error(registration)[:2] == (400, 1009)


async def test_media_downloads_are_attachments_a_browser_does_not_sniff(run: Running) -> None:
    headers = await admin_headers(run.client)
    upload = await run.client.post(
        "/v1/media", headers=headers | {"Content-Type": "image/png"}, content=b"\x89PNG<script>"
    )
    media_id = upload.json()["media"][0]["id"]
    download = await run.client.get(f"/v1/media/{media_id}", headers=headers)
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == f'attachment; filename="{media_id}.png"'

    hostile = 'evil"; filename=x.html'  # inbound media ids come from the network
    await run.sql(
        "INSERT INTO media (id, mime_type, source, stored) VALUES (:id, 'text/html', 'inbound', true)",
        id=hostile,
    )
    await run.state.store.put(hostile, BytesIO(b"<script>alert(1)</script>"), "text/html")
    download = await run.client.get(f"/v1/media/{hostile}", headers=headers)
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="evil___filename_x.html.html"'


def _declared_upload_status(url: str, token: str, length: int) -> bytes:
    """Send only the headers of an upload declaring `length` bytes; the first line of the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST /v1/media HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/pdf\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        return sock.recv(4096).split(b"\r\n", 1)[0]


def test_uploads_over_the_cap_are_413_before_the_body_is_read(webapp: StartWebApp, tmp_path: Path) -> None:
    with webapp() as process, httpx.Client(base_url=process.url, timeout=60) as client:
        first = client.post(
            "/v1/users/login", auth=("admin", "secret"), json={"new_password": "Admin-Pass1!"}
        )
        token = first.json()["users"][0]["token"]
        assert (
            _declared_upload_status(process.url, token, 64 * MIB + 1)
            == b"HTTP/1.1 413 Request Entity Too Large"
        )

        def chunks() -> Iterator[bytes]:
            for _ in range(65):
                yield b"x" * MIB

        streamed = client.post(
            "/v1/media",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/zip"},
            content=chunks(),
        )
        assert (streamed.status_code, streamed.json()["errors"][0]["code"]) == (413, 1025)
    assert list((tmp_path / "media").glob("*")) == [], "nothing reached the store"
