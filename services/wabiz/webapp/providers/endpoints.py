"""`/v1/settings/application/media/providers` (admins): list (passwords and tokens masked), add
or replace by name, delete one."""

from __future__ import annotations

from fastapi import APIRouter, Request

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON, json_body
from wabiz.kit.media_providers import ProviderList
from wabiz.webapp.bodies import documented
from wabiz.webapp.deps import AdminUser, Session, State
from wabiz.webapp.openapi import Envelope, Responses, answered, errors
from wabiz.webapp.providers import service
from wabiz.webapp.providers.schemas import ProvidersAnswer

router = APIRouter(prefix="/v1/settings/application/media/providers", tags=["settings"])
LISTED: Responses = {200: answered("Every provider, passwords and tokens masked", ProvidersAnswer)}


@router.get("", responses=errors(403, also=LISTED))
async def list_providers(admin: AdminUser, session: Session) -> JSON:
    return JSON(ok(settings=service.rendered(await service.providers(session))))


@router.post("", openapi_extra=documented(ProviderList), responses=errors(400, 403, also=LISTED))
async def add_providers(admin: AdminUser, request: Request, state: State, session: Session) -> JSON:
    """Add providers; one with the name of a stored one replaces it."""
    new = service.parse_providers(await json_body(request, state.config.max_json_bytes))
    return JSON(ok(settings=service.rendered(await service.add_providers(session, new))))


@router.delete("/{name}", responses=errors(403, 404, also={200: answered("Deleted", Envelope)}))
async def delete_provider(name: str, admin: AdminUser, session: Session) -> JSON:
    await service.remove_provider(session, name)
    return JSON(ok())
