"""`/v1/certificates/*` on a real database, and a CoreApp's webhook client trusting the uploaded CA
when it posts to a real HTTPS webhook whose certificate that private CA signed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.db.webapp_harness import Running, admin_headers, error, login
from tests.tooling.certs import PrivateServer, private_https_server
from tests.tooling.recording_server import RecordingServer, recording_server
from wabiz.coreapp.settings_cache import SettingsCache
from wabiz.coreapp.webhook_client import WebhookClient
from wabiz.kit.certificates import MAX_BUNDLE_BYTES
from wabiz.kit.webhook_guard import TargetPolicy

URL = "/v1/certificates/webhooks/ca"
PEM = {"Content-Type": "text/plain"}


@pytest.fixture
def pki(tmp_path: Path) -> PrivateServer:
    return private_https_server(tmp_path / "pki")


@pytest.fixture
async def webhook(pki: PrivateServer) -> AsyncIterator[RecordingServer]:
    async with recording_server(pki.server) as server:
        yield server


async def test_upload_read_delete(run: Running, pki: PrivateServer) -> None:
    admin = await admin_headers(run.client)
    assert error(await run.client.get(URL, headers=admin))[:2] == (404, 1006)
    stored = await run.client.post(URL, headers=admin | PEM, content=pki.ca_pem)
    assert stored.status_code == 200, stored.text
    assert "errors" not in stored.json()
    answer = await run.client.get(URL, headers=admin)
    assert (answer.status_code, answer.content) == (200, pki.ca_pem)
    assert answer.headers["content-type"] == "application/x-pem-file"
    assert (await run.client.delete(URL, headers=admin)).status_code == 200
    assert error(await run.client.get(URL, headers=admin))[:2] == (404, 1006)


async def test_bad_bundles_are_refused(run: Running, pki: PrivateServer) -> None:
    admin = await admin_headers(run.client)
    assert error(await run.client.post(URL, headers=admin | PEM, content=b"not a certificate"))[:2] == (
        400,
        1009,
    )
    big = await run.client.post(URL, headers=admin | PEM, content=b"#" * (MAX_BUNDLE_BYTES + 1))
    assert error(big)[:2] == (413, 1025)
    assert error(await run.client.get(URL, headers=admin))[:2] == (404, 1006), "nothing was stored"


async def test_admins_only(run: Running, pki: PrivateServer) -> None:
    admin = await admin_headers(run.client)
    created = await run.client.post(
        "/v1/users", headers=admin, json={"username": "operator", "password": "Operat0r-Pass!"}
    )
    assert created.status_code == 201, created.text
    user = {"Authorization": f"Bearer {await login(run.client, 'operator', 'Operat0r-Pass!')}"}
    for method, path in (("POST", URL), ("GET", URL), ("DELETE", URL), ("POST", "/v1/certificates/external")):
        answer = await run.client.request(method, path, headers=user | PEM, content=pki.ca_pem)
        assert error(answer)[:2] == (403, 1005), (method, path)


async def test_external_certificates_are_answered_with_what_to_do(run: Running) -> None:
    admin = await admin_headers(run.client)
    for method, path in (("POST", "/v1/certificates/external"), ("GET", "/v1/certificates/external/ca")):
        status, code, details = error(await run.client.request(method, path, headers=admin))
        assert (status, code) == (400, 1000)
        assert "Ingress" in details and "tlsSecretName" in details


async def test_the_webhook_client_trusts_the_uploaded_ca(
    run: Running, pki: PrivateServer, webhook: RecordingServer
) -> None:
    admin = await admin_headers(run.client)
    cache = SettingsCache(run.state.sessions)
    client = WebhookClient(TargetPolicy(allow_loopback=True), None, lambda: cache.webhooks_ca)
    try:
        await cache.refresh()
        refused = await client.post(webhook.url, b"{}")
        assert refused is not None and "Certificate" in refused, "a private CA is not trusted by default"
        await run.client.post(URL, headers=admin | PEM, content=pki.ca_pem)
        await cache.refresh()
        assert await client.post(webhook.url, b"{}") is None
        assert len(webhook.requests) == 1
        await run.client.delete(URL, headers=admin)
        await cache.refresh()
        assert await client.post(webhook.url, b"{}") is not None, "trust ends with the DELETE"
    finally:
        await client.close()
