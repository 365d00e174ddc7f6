"""`GET /v1/support` (admins)."""

from __future__ import annotations

from fastapi import APIRouter

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.deps import AdminUser, Session
from wabiz.webapp.openapi import answered, errors
from wabiz.webapp.support import service
from wabiz.webapp.support.schemas import SupportAnswer

router = APIRouter(tags=["health"])


@router.get(
    "/v1/support",
    responses=errors(403, also={200: answered("What a bug report or an incident needs", SupportAnswer)}),
)
async def get_support(admin: AdminUser, session: Session) -> JSON:
    """Version, database engine, account, every lease and node."""
    return JSON(ok(support=await service.read_support(session)))
