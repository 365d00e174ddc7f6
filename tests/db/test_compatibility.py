"""Requests exactly as On-Premises clients sent them, one per endpoint family of the WebApp.

Numbers as strings in the settings, `null` for optional fields, the legacy `hsm` message, the
common message fields (`recipient_type`, `preview_url`, `render_mentions`), raw bodies where
On-Premises took them. The CoreApp is the harness's fake: what is asserted is that the WebApp
takes each request and what it makes of it (the translations themselves:
tests/unit/test_compatibility.py). Every answer is also held to `/openapi.json` (`conformance`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.db.webapp_harness import API_KEY, FakeCoreApp, Running, login, registered_coreapp, stored_sends
from tests.tooling.certs import private_https_server

pytestmark = pytest.mark.usefixtures("conformance")
USER = "16315551181"
ANSWERS = {
    ("POST", "/internal/contacts"): (200, {"valid": {USER: True}}),
    ("POST", "/internal/account"): (200, {"state": "registered", "vname": "wabiz"}),
    ("POST", "/internal/profile"): (200, {}),
    ("POST", "/internal/account/two-step"): (200, {}),
}


@pytest.fixture
async def coreapp(run: Running) -> AsyncIterator[FakeCoreApp]:
    async with registered_coreapp(run, ANSWERS) as fake:
        yield fake


async def _sent(run: Running, headers: dict[str, str], message: dict[str, object]) -> object:
    answer = await run.client.post("/v1/messages", headers=headers, json=message)
    assert answer.status_code == 201, answer.text
    (stored,) = answer.json()["messages"]
    assert stored["id"].startswith("gB")
    return (await stored_sends(run))[-1]


async def test_login_with_basic_credentials_and_a_null_body_field(
    run: Running, headers: dict[str, str]
) -> None:
    answer = await run.client.post(
        "/v1/users/login", auth=("admin", "Admin-Pass1!"), json={"new_password": None}
    )
    assert answer.status_code == 200, answer.text
    assert set(answer.json()["users"][0]) == {"token", "expires_after"}
    token = answer.json()["users"][0]["token"]
    logout = await run.client.post("/v1/users/logout", headers={"Authorization": f"Bearer {token}"})
    assert logout.status_code == 200


async def test_users(run: Running, headers: dict[str, str]) -> None:
    created = await run.client.post(
        "/v1/users", headers=headers, json={"username": "agent", "password": "Agent-Pass1!"}
    )
    assert (created.status_code, created.json()["users"]) == (201, [{"username": "agent"}])
    assert (await run.client.get("/v1/users/agent", headers=headers)).json()["users"][0][
        "username"
    ] == "agent"
    changed = await run.client.put("/v1/users/agent", headers=headers, json={"password": "Agent-Pass2!"})
    assert changed.status_code == 200, changed.text
    assert await login(run.client, "agent", "Agent-Pass2!")
    assert (await run.client.delete("/v1/users/agent", headers=headers)).status_code == 200


async def test_contacts(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    body = {"blocking": "wait", "contacts": ["+1 631-555-1181"], "force_check": None}
    answer = await run.client.post("/v1/contacts", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["contacts"] == [{"input": "+1 631-555-1181", "status": "valid", "wa_id": USER}]


async def test_text_with_the_common_fields(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    message = {
        "to": USER,
        "recipient_type": "individual",
        "type": "text",
        "preview_url": True,
        "render_mentions": False,
        "ttl": None,
        "text": {"body": "See https://example.com"},
    }
    sent = await _sent(run, headers, message)
    assert sent == {
        "to": USER,
        "recipient_type": "individual",
        "type": "text",
        "preview_url": True,
        "render_mentions": False,
        "text": {"body": "See https://example.com"},
    }


async def test_hsm(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    hsm = {
        "namespace": "business_a_namespace",
        "element_name": "shipping_update",
        "language": {"policy": "deterministic", "code": "en"},
        "localizable_params": [
            {"default": "Kerry"},
            {"default": "$100.99", "currency": {"currency_code": "USD", "amount_1000": 100990}},
            {
                "default": "February 25, 1977",
                "date_time": {"component": {"year": 1977, "month": 2, "day_of_month": 25}},
            },
        ],
    }
    sent = await _sent(run, headers, {"to": USER, "type": "hsm", "hsm": hsm})
    assert isinstance(sent, dict)
    assert (sent["type"], sent["template"]["name"]) == ("template", "shipping_update")
    (body,) = sent["template"]["components"]
    assert [parameter["type"] for parameter in body["parameters"]] == ["text", "currency", "date_time"]


async def test_media_upload_send_download_delete(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    upload = await run.client.post("/v1/media", headers=headers | {"Content-Type": "image/png"}, content=png)
    assert upload.status_code == 201, upload.text
    media_id = upload.json()["media"][0]["id"]
    image = {"id": media_id, "caption": "ours", "provider": None}
    sent = await _sent(run, headers, {"to": USER, "type": "image", "image": image})
    assert sent == {
        "to": USER,
        "recipient_type": "individual",
        "type": "image",
        "image": {"id": media_id, "caption": "ours"},
    }
    document = {"link": "https://example.com/terms.pdf", "filename": "terms.pdf", "caption": None}
    await _sent(run, headers, {"to": USER, "type": "document", "document": document})
    assert (await run.client.get(f"/v1/media/{media_id}", headers=headers)).content == png
    assert (await run.client.delete(f"/v1/media/{media_id}", headers=headers)).status_code == 200


async def test_settings_with_numbers_as_strings_and_nulls(run: Running, headers: dict[str, str]) -> None:
    patch = {
        "webhooks": {"url": "https://example.com/hook", "max_concurrent_requests": "12"},
        "callback_backoff_delay_ms": "3000",
        "max_callback_backoff_delay_ms": "900000",
        "heartbeat_interval": "5",
        "unhealthy_interval": "30",
        "media": {"auto_download": ["image", "document"]},
        "sent_status": None,
    }
    answer = await run.client.patch("/v1/settings/application", headers=headers, json=patch)
    assert answer.status_code == 200, answer.text
    application = answer.json()["settings"]["application"]
    assert application["webhooks"]["max_concurrent_requests"] == 12
    assert (application["callback_backoff_delay_ms"], application["heartbeat_interval"]) == (3000, 5)
    reset = await run.client.patch(
        "/v1/settings/application", headers=headers, json={"webhooks": {"url": None}}
    )
    assert reset.json()["settings"]["application"]["webhooks"]["url"] is None, "null: back to the default"


async def test_account(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    body = {"cc": "1", "phone_number": "5550001234", "method": "sms", "cert": "d2FiaXo=", "pin": None}
    assert (await run.client.post("/v1/account", headers=headers, json=body)).status_code == 201
    shards = await run.client.get("/v1/account/shards", headers=headers)
    assert shards.json()["account"] == {"shards": 1}


async def test_health_stats_and_support(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    probe = {"Authorization": f"Apikey {API_KEY}"}
    assert "gateway_status" in str((await run.client.get("/v1/health", headers=probe)).json()["health"])
    for path in ("/v1/stats/app", "/v1/stats/db"):
        assert (await run.client.get(path, headers=headers)).status_code == 200, path
    assert (await run.client.get("/v1/support", headers=headers)).status_code == 200


async def test_certificates_and_media_providers(
    run: Running, headers: dict[str, str], tmp_path: Path
) -> None:
    pem = private_https_server(tmp_path).ca_pem
    stored = await run.client.post(
        "/v1/certificates/webhooks/ca", headers=headers | {"Content-Type": "text/plain"}, content=pem
    )
    assert stored.status_code == 200, stored.text
    providers = [
        {"name": "provider-a", "type": "www", "config": {"basic": {"username": "u", "password": "p"}}},
        {"name": "provider-b", "type": "www", "config": {"bearer": "token"}},
    ]
    added = await run.client.post("/v1/settings/application/media/providers", headers=headers, json=providers)
    assert added.status_code == 200, added.text


async def test_profile_about_and_two_step(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    about = await run.client.patch("/v1/settings/profile/about", headers=headers, json={"text": "Open 9-5"})
    assert about.status_code == 200, about.text
    profile = {
        "address": "1 Main St",
        "description": "Plants",
        "email": "shop@example.com",
        "vertical": "Professional Services",
        "websites": ["https://example.com"],
    }
    changed = await run.client.post("/v1/settings/business/profile", headers=headers, json=profile)
    assert changed.status_code == 200, changed.text
    pin = await run.client.post("/v1/settings/account/two-step", headers=headers, json={"pin": "123456"})
    assert pin.status_code == 200, pin.text
    paths = [path for _, path, _, _ in coreapp.requests]
    assert paths[-3:] == ["/internal/profile", "/internal/profile", "/internal/account/two-step"]


async def test_backup_and_restore(run: Running, headers: dict[str, str]) -> None:
    backup = await run.client.post("/v1/settings/backup", headers=headers, json={"password": "Backup-Pass1!"})
    assert backup.status_code == 200, backup.text
    data = backup.json()["settings"]["data"]
    restore = {"password": "Backup-Pass1!", "data": data}
    restored = await run.client.post("/v1/settings/restore", headers=headers, json=restore)
    assert restored.status_code == 200, restored.text


async def test_garbage_collection_and_the_removed_groups(run: Running, headers: dict[str, str]) -> None:
    for kind in ("media", "message"):
        answer = await run.client.put(f"/v1/services/{kind}/gc", headers=headers)
        assert answer.status_code == 200, answer.text
    groups = await run.client.get("/v1/groups", headers=headers)
    assert groups.status_code == 410 and groups.json()["errors"][0]["code"] == 1410
