"""Versions, database, account, leases and nodes in one answer, for a bug report or an incident."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz import __version__


async def read_support(session: AsyncSession) -> dict[str, Any]:
    database = (await session.execute(text("SELECT version()"))).scalar_one()
    account = (
        await session.execute(text("SELECT state, cc, phone_number, shards FROM account WHERE id = 1"))
    ).one()
    leases = await session.execute(
        text(
            "SELECT name, holder, epoch, expires_at > now() AS live, acquired_at FROM leases"
            " ORDER BY name = 'master' DESC, length(name), name"
        )
    )
    nodes = await session.execute(
        text("SELECT id, hostname, internal_url, gateway_status, heartbeat_at FROM nodes ORDER BY id")
    )
    return {
        "version": __version__,
        "database": database,
        "shards": account.shards,
        "account": {"state": account.state, "cc": account.cc, "phone_number": account.phone_number},
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
