"""Registration goes through a CoreApp (it talks to the network); the shard count is a row.

CoreApps watch `account.shards` and rebalance their leases when it changes, so a shard change is
one UPDATE here; the WebApp re-reads its own shard map at once so its next send routes by it.
"""

from __future__ import annotations

from wabiz.db.account import set_shards
from wabiz.kit.errors import InvalidParameter, NotReady
from wabiz.webapp.account.schemas import Registration, ShardChange
from wabiz.webapp.state import AppState


async def register(state: AppState, registration: Registration) -> tuple[bool, str | None]:
    """(already registered, vname) after asking the network for a code."""
    answer = await state.coreapps.to_any(
        "POST", "/internal/account", registration.model_dump(exclude_none=True)
    )
    await state.shard_maps.get(fresh=True)
    vname = answer.get("vname")
    return answer.get("state") == "registered", vname if isinstance(vname, str) else None


async def verify(state: AppState, code: str) -> None:
    await state.coreapps.to_any("POST", "/internal/account/verify", {"code": code})
    await state.shard_maps.get(fresh=True)


async def shard_count(state: AppState) -> int:
    return (await state.shard_maps.get(fresh=True)).shards


async def change_shards(state: AppState, change: ShardChange) -> None:
    current = await state.shard_maps.get(fresh=True)
    if current.business_wa_id is None:
        raise NotReady("the account is not registered yet; register it with POST /v1/account")
    if (change.cc, change.phone_number) != (current.cc, current.phone_number):
        raise InvalidParameter("cc and phone_number must be those of the registered account")
    async with state.sessions.begin() as session:
        await set_shards(session, change.shards)
    await state.shard_maps.get(fresh=True)
