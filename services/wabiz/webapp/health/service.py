"""`/v1/health` from the database: the live CoreApps, their gateways and who is master.

The WebApp does not call the CoreApps for this: each writes its gateway status with its
heartbeat, so the answer costs two small queries and still works when a CoreApp hangs. A node
is live while its heartbeat is younger than the effective `unhealthy_interval`. Roles map our
leases onto the original's: the `master` lease holder is the primary master, a live node
holding no shard is a standby (secondary master), every other node is a coreapp.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import leases
from wabiz.db.account import read_account
from wabiz.db.leases import LiveNode
from wabiz.webapp.settings.service import effective_settings


def role_of(node: LiveNode, master: str | None) -> str:
    if node.id == master:
        return "primary_master"
    return "secondary_master" if node.shards == 0 else "coreapp"


def health_payload(nodes: list[LiveNode], master: str | None, registered: bool) -> dict[str, Any]:
    """One node → its status; several → one entry per node with its role (contract §8)."""
    if not nodes:
        return {"gateway_status": "disconnected"}

    def status(node: LiveNode) -> str:
        return node.gateway_status if registered else "unregistered"

    if len(nodes) == 1:
        return {"gateway_status": status(nodes[0])}
    return {
        f"{node.hostname}:{node.id}": {"gateway_status": status(node), "role": role_of(node, master)}
        for node in nodes
    }


async def read_health(session: AsyncSession) -> dict[str, Any]:
    window = (await effective_settings(session)).unhealthy_interval
    nodes = await leases.live_nodes(session, window)
    master = await leases.master_holder(session)
    account = await read_account(session)
    return health_payload(nodes, master, account.registered)
