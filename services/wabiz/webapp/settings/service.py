"""Reading and writing the application settings document (stored by `db.settings`).

A PATCH locks the row while it merges, so two concurrent PATCHes of different fields both land.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import settings as stored
from wabiz.kit.appsettings import ApplicationSettings, apply_patch, check_webhook_url, validate
from wabiz.kit.errors import InvalidParameter
from wabiz.kit.webhook_guard import TargetPolicy, url_refusal


async def effective_settings(session: AsyncSession) -> ApplicationSettings:
    return validate(await stored.overrides(session))


async def patch_settings(
    session: AsyncSession, patch: Any, allow_insecure: bool, targets: TargetPolicy
) -> ApplicationSettings:
    """Merge `patch` into the stored overrides; 1009/1010 naming the field when it does not fit,
    also when the webhook URL leads where callbacks may not go (`kit.webhook_guard`)."""
    merged = apply_patch(await stored.overrides(session, for_update=True), patch)
    settings = validate(merged)
    url = settings.webhooks.url
    problem = check_webhook_url(url, allow_insecure)
    if problem is not None:
        raise problem
    if url is not None and (refused := await url_refusal(url, targets)):
        raise InvalidParameter(f"webhooks.url is refused: {refused}")
    await stored.write(session, merged)
    return settings


async def reset_settings(session: AsyncSession) -> ApplicationSettings:
    await stored.write(session, {})
    return ApplicationSettings()


def rendered(settings: ApplicationSettings) -> dict[str, Any]:
    return {"application": settings.model_dump()}
