"""Reading and writing the application settings document.

The `settings` row named `application` holds only the overrides (see `kit.appsettings`); every
write bumps `version`, which is how CoreApps notice a change without re-reading the document.
A PATCH locks the row while it merges, so two concurrent PATCHes of different fields both land.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.kit.appsettings import ApplicationSettings, apply_patch, check_webhook_url, validate
from wabiz.kit.errors import InvalidParameter
from wabiz.kit.webhook_guard import TargetPolicy, url_refusal

NAME = "application"
_SELECT = text("SELECT value FROM settings WHERE name = :n")
_SELECT_FOR_UPDATE = text("SELECT value FROM settings WHERE name = :n FOR UPDATE")


async def stored_overrides(session: AsyncSession, for_update: bool = False) -> dict[str, Any]:
    row = (await session.execute(_SELECT_FOR_UPDATE if for_update else _SELECT, {"n": NAME})).first()
    return dict(row.value) if row else {}


async def effective_settings(session: AsyncSession) -> ApplicationSettings:
    return validate(await stored_overrides(session))


async def _write(session: AsyncSession, overrides: dict[str, Any]) -> None:
    await session.execute(
        text(
            "INSERT INTO settings (name, value, version) VALUES (:n, CAST(:v AS jsonb), 1)"
            " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value,"
            " version = settings.version + 1, updated_at = now()"
        ),
        {"n": NAME, "v": orjson.dumps(overrides).decode()},
    )


async def patch_settings(
    session: AsyncSession, patch: Any, allow_insecure: bool, targets: TargetPolicy
) -> ApplicationSettings:
    """Merge `patch` into the stored overrides; 1009/1010 naming the field when it does not fit,
    also when the webhook URL leads where callbacks may not go (`kit.webhook_guard`)."""
    merged = apply_patch(await stored_overrides(session, for_update=True), patch)
    settings = validate(merged)
    url = settings.webhooks.url
    problem = check_webhook_url(url, allow_insecure)
    if problem is not None:
        raise problem
    if url is not None and (refused := await url_refusal(url, targets)):
        raise InvalidParameter(f"webhooks.url is refused: {refused}")
    await _write(session, merged)
    return settings


async def reset_settings(session: AsyncSession) -> ApplicationSettings:
    await _write(session, {})
    return ApplicationSettings()


def rendered(settings: ApplicationSettings) -> dict[str, Any]:
    return {"application": settings.model_dump()}
