"""`/v1/settings/application` against a real database: PATCH merges, errors name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.db.webapp_harness import (
    ADMIN_PASSWORD,
    Running,
    admin_headers,
    error,
    login,
    running,
    webapp_config,
)
from wabiz.kit.appsettings import ApplicationSettings

URL = "/v1/settings/application"


async def _version(run: Running) -> int | None:
    rows = await run.sql("SELECT version FROM settings WHERE name = 'application'")
    return int(rows[0].version) if rows else None


async def test_get_patch_delete(run: Running) -> None:
    admin = await admin_headers(run.client)
    defaults = ApplicationSettings().model_dump()
    answer = await run.client.get(URL, headers=admin)
    assert answer.json()["settings"] == {"application": defaults}

    patched = await run.client.patch(
        URL,
        headers=admin,
        json={"webhooks": {"url": "https://example.com/hook", "max_concurrent_requests": 12}},
    )
    assert patched.status_code == 200, patched.text
    assert await _version(run) == 1
    second = await run.client.patch(URL, headers=admin, json={"webhooks": {"message": {"sent": True}}})
    webhooks = second.json()["settings"]["application"]["webhooks"]
    assert webhooks == {
        "url": "https://example.com/hook",
        "max_concurrent_requests": 12,
        "message": {"sent": True, "delivered": True, "read": True},
    }, "PATCH changes only the fields given"
    assert await _version(run) == 2, "every write bumps the version the CoreApps watch"
    stored = await run.sql("SELECT value FROM settings WHERE name = 'application'")
    assert "callback_persist" not in stored[0].value, "only overrides are stored"

    reset = await run.client.delete(URL, headers=admin)
    assert reset.json()["settings"] == {"application": defaults}
    assert (await run.client.get(URL, headers=admin)).json()["settings"]["application"] == defaults
    assert await _version(run) == 3


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"webhooks": {"max_concurrent_requests": 7}}, 1009, "webhooks.max_concurrent_requests"),
        ({"callback_persist": "yes"}, 1009, "callback_persist"),
        ({"callback_backoff_delay_ms": 1}, 1009, "callback_backoff_delay_ms"),
        ({"heartbeat_interval": 10, "unhealthy_interval": 5}, 1009, "unhealthy_interval"),
        ({"webhooks": {"colour": "red"}}, 1010, "webhooks.colour"),
        ({"colour": "red"}, 1010, "colour"),
        ({"media": {"auto_download": ["hologram"]}}, 1009, "media.auto_download"),
        ({"webhooks": {"url": "ftp://example.com"}}, 1009, "webhooks.url"),
        ({}, 1009, "the body"),
    ],
)
async def test_bad_settings(run: Running, body: dict[str, Any], code: int, field: str) -> None:
    answer = await run.client.patch(URL, headers=await admin_headers(run.client), json=body)
    status, got, details = error(answer)
    assert (status, got) == (400, code)
    assert field in details, details
    assert await _version(run) is None, "nothing was stored"


async def test_http_webhooks_need_permission(database_url: str, tmp_path: Path) -> None:
    body = {"webhooks": {"url": "http://example.com/hook"}}
    async with running(webapp_config(database_url, tmp_path, allow_insecure_webhooks=False)) as run:
        answer = await run.client.patch(URL, headers=await admin_headers(run.client), json=body)
        assert error(answer)[:2] == (400, 1009) and "https" in error(answer)[2]
    async with running(webapp_config(database_url, tmp_path, allow_insecure_webhooks=True)) as run:
        headers = {"Authorization": f"Bearer {await login(run.client, 'admin', ADMIN_PASSWORD)}"}
        assert (await run.client.patch(URL, headers=headers, json=body)).status_code == 200


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"{not json", "application/json", 1025),
        (b"a=b", "text/plain", 1025),
        (b"[1]", "application/json", 1009),
    ],
)
async def test_malformed_patch(run: Running, content: bytes, content_type: str, code: int) -> None:
    headers = await admin_headers(run.client) | {"Content-Type": content_type}
    assert error(await run.client.patch(URL, headers=headers, content=content))[:2] == (400, code)
