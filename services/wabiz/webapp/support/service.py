"""Versions, database, account, leases and nodes in one answer, for a bug report or an incident."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wabiz import __version__
from wabiz.db import leases
from wabiz.db.account import read_account
from wabiz.db.stats import server_version


async def read_support(session: AsyncSession) -> dict[str, Any]:
    database = await server_version(session)
    account = await read_account(session)
    return {
        "version": __version__,
        "database": database,
        "shards": account.shards,
        "account": {"state": account.state, "cc": account.cc, "phone_number": account.phone_number},
        "leases": [
            {
                "name": lease.name,
                "holder": lease.holder,
                "epoch": lease.epoch,
                "live": lease.live,
                "acquired_at": lease.acquired_at.isoformat(),
            }
            for lease in await leases.all_leases(session)
        ],
        "nodes": [
            {
                "id": node.id,
                "hostname": node.hostname,
                "url": node.internal_url,
                "gateway_status": node.gateway_status,
                "heartbeat_at": node.heartbeat_at.isoformat(),
            }
            for node in await leases.all_nodes(session)
        ],
    }
