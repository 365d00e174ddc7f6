"""`GET /v1/support`: what a support engineer asks first — versions, database, nodes, shard owners."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from wabiz import __version__
from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.deps import Admin, State

router = APIRouter(tags=["health"])


@router.get("/v1/support")
async def support(admin: Admin, state: State) -> JSON:
    async with state.sessions() as session:
        engine = (await session.execute(text("SELECT version()"))).scalar_one()
        leases = await session.execute(
            text(
                "SELECT name, holder, epoch, expires_at > now() AS live, acquired_at FROM leases ORDER BY"
                " CASE WHEN name = 'master' THEN -1 ELSE CAST(split_part(name, ':', 2) AS int) END"
            )
        )
        nodes = await session.execute(
            text("SELECT id, hostname, internal_url, gateway_status, heartbeat_at FROM nodes ORDER BY id")
        )
        shard_map = await state.router.current(fresh=True)
        return JSON(
            ok(
                support={
                    "version": __version__,
                    "database": engine,
                    "shards": shard_map.shards,
                    "account": {
                        "state": shard_map.state,
                        "cc": shard_map.cc,
                        "phone_number": shard_map.phone_number,
                    },
                    "leases": [
                        {
                            "name": row.name,
                            "holder": row.holder,
                            "epoch": row.epoch,
                            "live": row.live,
                            "acquired_at": row.acquired_at.isoformat(),
                        }
                        for row in leases
                    ],
                    "nodes": [
                        {
                            "id": row.id,
                            "hostname": row.hostname,
                            "url": row.internal_url,
                            "gateway_status": row.gateway_status,
                            "heartbeat_at": row.heartbeat_at.isoformat(),
                        }
                        for row in nodes
                    ],
                }
            )
        )
