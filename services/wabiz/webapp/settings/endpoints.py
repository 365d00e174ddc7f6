"""`/v1/settings/application`: read, change (PATCH merges only the fields given), reset. Admins only."""

from __future__ import annotations

from fastapi import APIRouter, Request

from wabiz.kit.appsettings import ApplicationSettings
from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON, json_body
from wabiz.webapp.bodies import documented
from wabiz.webapp.deps import AdminUser, Session, State
from wabiz.webapp.openapi import Responses, answered, errors
from wabiz.webapp.settings import service
from wabiz.webapp.settings.schemas import SettingsAnswer

router = APIRouter(prefix="/v1/settings/application", tags=["settings"])
EFFECTIVE: Responses = {200: answered("The effective settings", SettingsAnswer)}


@router.get("", responses=errors(403, also=EFFECTIVE))
async def get_settings(admin: AdminUser, session: Session) -> JSON:
    """The effective settings: defaults with the stored changes applied."""
    return JSON(ok(settings=service.rendered(await service.effective_settings(session))))


@router.patch("", openapi_extra=documented(ApplicationSettings), responses=errors(400, 403, also=EFFECTIVE))
async def patch_settings(admin: AdminUser, request: Request, state: State, session: Session) -> JSON:
    patch = await json_body(request, state.config.max_json_bytes)
    config = state.config
    settings = await service.patch_settings(
        session, patch, config.insecure_webhooks_allowed, config.webhook_policy
    )
    return JSON(ok(settings=service.rendered(settings)))


@router.delete("", responses=errors(403, also=EFFECTIVE))
async def reset_settings(admin: AdminUser, session: Session) -> JSON:
    """Back to the defaults."""
    return JSON(ok(settings=service.rendered(await service.reset_settings(session))))
