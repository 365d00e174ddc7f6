"""`/v1/account`, `/v1/account/verify` and `/v1/account/shards`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.account import service
from wabiz.webapp.account.schemas import (
    CodeSentAnswer,
    Registration,
    ShardChange,
    ShardsAnswer,
    Verification,
)
from wabiz.webapp.bodies import documented
from wabiz.webapp.deps import AdminUser, CurrentUser, State, body_of
from wabiz.webapp.openapi import Envelope, answered, errors

router = APIRouter(prefix="/v1/account", tags=["account"])


@router.post(
    "",
    status_code=202,
    openapi_extra=documented(Registration),
    responses=errors(
        400,
        403,
        also={
            202: answered("A code was sent: verify it next", CodeSentAnswer),
            201: answered("Registered already", Envelope),
        },
    ),
)
async def register_account(
    admin: AdminUser, body: Annotated[Registration, body_of(Registration)], state: State
) -> JSON:
    """202 when a code was sent (verify it next), 201 when the number is registered already."""
    registered, vname = await service.register(state, body)
    if registered:
        return JSON(ok(), status_code=201)
    return JSON(ok(account=[{"vname": vname}]), status_code=202)


@router.post(
    "/verify",
    status_code=201,
    openapi_extra=documented(Verification),
    responses=errors(400, 403, also={201: answered("Registered", Envelope)}),
)
async def verify_account(
    admin: AdminUser, body: Annotated[Verification, body_of(Verification)], state: State
) -> JSON:
    await service.verify(state, body.code)
    return JSON(ok(), status_code=201)


@router.get("/shards", responses=errors(also={200: answered("The shard count", ShardsAnswer)}))
async def get_shards(user: CurrentUser, state: State) -> JSON:
    return JSON(ok(account={"shards": await service.shard_count(state)}))


@router.post(
    "/shards",
    status_code=201,
    openapi_extra=documented(ShardChange),
    responses=errors(
        400, 403, also={201: answered("Changed; CoreApps rebalance within a heartbeat", Envelope)}
    ),
)
async def set_shards(
    admin: AdminUser, body: Annotated[ShardChange, body_of(ShardChange)], state: State
) -> JSON:
    """Change the shard count live; CoreApps rebalance within a heartbeat."""
    await service.change_shards(state, body)
    return JSON(ok(), status_code=201)
