"""`/v1/account…`: registration of the business number (through a CoreApp) and the shard count."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from wabiz.kit.envelope import ok
from wabiz.kit.errors import InvalidParameter
from wabiz.kit.httpapp import JSON
from wabiz.kit.sharding import SHARD_COUNTS
from wabiz.webapp.deps import Admin, State, User

router = APIRouter(tags=["account"])
Digits = Annotated[str, Field(pattern=r"^\d+$", min_length=1, max_length=15)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Registration(_Strict):
    cc: Annotated[str, Field(pattern=r"^\d{1,3}$")]
    phone_number: Annotated[str, Field(pattern=r"^\d{4,14}$")]
    method: Literal["sms", "voice"]
    cert: Annotated[str, Field(min_length=1, max_length=8192)]
    pin: Annotated[str, Field(pattern=r"^\d{6}$")] | None = None


class Verification(_Strict):
    code: Annotated[str, Field(pattern=r"^\d{3,8}$")]


class ShardChange(_Strict):
    cc: Digits
    phone_number: Digits
    shards: int
    pin: Annotated[str, Field(pattern=r"^\d{6}$")] | None = None


@router.post("/v1/account", status_code=202)
async def register(body: Registration, admin: Admin, state: State) -> JSON:
    answer = await state.coreapps.to_any("POST", "/internal/account", body.model_dump())
    await state.router.current(fresh=True)
    if answer.get("state") == "registered":
        return JSON(ok(), status_code=201)
    return JSON(ok(account=[{"vname": answer.get("vname")}]), status_code=202)


@router.post("/v1/account/verify", status_code=201)
async def verify(body: Verification, admin: Admin, state: State) -> JSON:
    await state.coreapps.to_any("POST", "/internal/account/verify", {"code": body.code})
    await state.router.current(fresh=True)
    return JSON(ok(), status_code=201)


@router.get("/v1/account/shards")
async def get_shards(user: User, state: State) -> JSON:
    return JSON(ok(account={"shards": (await state.router.current(fresh=True)).shards}))


@router.post("/v1/account/shards", status_code=201)
async def set_shards(body: ShardChange, admin: Admin, state: State) -> JSON:
    if body.shards not in SHARD_COUNTS:
        raise InvalidParameter(f"shards must be one of {', '.join(map(str, SHARD_COUNTS))}")
    current = await state.router.current(fresh=True)
    if (body.cc, body.phone_number) != (current.cc, current.phone_number):
        raise InvalidParameter("cc and phone_number must be those of the registered account")
    async with state.sessions.begin() as session:
        await session.execute(
            text("UPDATE account SET shards = :s, updated_at = now() WHERE id = 1"), {"s": body.shards}
        )
    await state.router.current(fresh=True)
    return JSON(ok(), status_code=201)
