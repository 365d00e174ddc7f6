"""`POST /v1/settings/backup` and `POST /v1/settings/restore`. Admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.backup import service
from wabiz.webapp.backup.schemas import Backup, BackupAnswer, Restore
from wabiz.webapp.bodies import documented
from wabiz.webapp.deps import AdminUser, State, body_of
from wabiz.webapp.openapi import Envelope, answered, errors

router = APIRouter(prefix="/v1/settings", tags=["settings"])


@router.post(
    "/backup",
    openapi_extra=documented(Backup),
    responses=errors(400, 403, also={200: answered("The sealed backup (`data`)", BackupAnswer)}),
)
async def backup_settings(admin: AdminUser, body: Annotated[Backup, body_of(Backup)], state: State) -> JSON:
    """Settings, users (password hashes only), the account, the business profile: one blob sealed
    under `password`. 1011 when the number is registered and no CoreApp can read its profile."""
    return JSON(ok(settings={"data": await service.backup(state, body.password)}))


@router.post(
    "/restore",
    openapi_extra=documented(Restore),
    responses=errors(400, 403, also={200: answered("Restored", Envelope)}),
)
async def restore_settings(
    admin: AdminUser, body: Annotated[Restore, body_of(Restore)], state: State
) -> JSON:
    """Apply a backup in one transaction, then set its business profile on the network; a wrong
    password or an altered blob (1009) changes nothing. Every token is revoked: log in again with
    the restored passwords. 1011 when the rest was restored but no CoreApp could set the profile."""
    await service.restore(state, body.password, body.data)
    return JSON(ok())
