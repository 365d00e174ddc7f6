"""`/v1/settings/application`: read, change (PATCH merges), reset. Admins only.

The stored document holds only overrides; every write bumps `version`, which is how CoreApps
notice a change within a second without re-reading the document constantly.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import text

from wabiz.kit.appsettings import apply_patch, check_webhook_url, validate
from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON, json_body
from wabiz.webapp.deps import Admin, State

router = APIRouter(tags=["settings"])


async def _stored(state: State) -> dict[str, Any]:
    async with state.sessions() as session:
        row = (await session.execute(text("SELECT value FROM settings WHERE name = 'application'"))).first()
    return dict(row.value) if row else {}


async def _store(state: State, value: dict[str, Any]) -> None:
    async with state.sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO settings (name, value, version) VALUES ('application', CAST(:v AS jsonb), 1)"
                " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, version = settings.version + 1,"
                " updated_at = now()"
            ),
            {"v": orjson.dumps(value).decode()},
        )


def _effective(stored: dict[str, Any]) -> dict[str, Any]:
    return {"application": validate(stored).model_dump()}


@router.get("/v1/settings/application")
async def get_settings(admin: Admin, state: State) -> JSON:
    return JSON(ok(settings=_effective(await _stored(state))))


@router.patch("/v1/settings/application")
async def patch_settings(request: Request, admin: Admin, state: State) -> JSON:
    patch = await json_body(request, state.config.max_json_bytes)
    merged = apply_patch(await _stored(state), patch)
    problem = check_webhook_url(validate(merged).webhooks.url, state.config.insecure_webhooks_allowed)
    if problem:
        raise problem
    await _store(state, merged)
    return JSON(ok(settings=_effective(merged)))


@router.delete("/v1/settings/application")
async def reset_settings(admin: Admin, state: State) -> JSON:
    await _store(state, {})
    return JSON(ok(settings=_effective({})))
