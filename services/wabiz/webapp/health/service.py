"""`/v1/health` from the database: the live CoreApps, their gateways and who is master.

The WebApp does not call the CoreApps for this: each writes its gateway status with its
heartbeat, so the answer costs two small queries and still works when a CoreApp hangs. A node
is live while its heartbeat is younger than the effective `unhealthy_interval`. Roles map our
leases onto the original's: the `master` lease holder is the primary master, a live node
holding no shard is a standby (secondary master), every other node is a coreapp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.webapp.settings.service import effective_settings


@dataclass(frozen=True)
class NodeView:
    id: str
    hostname: str
    gateway_status: str
    shards: int


def role_of(node: NodeView, master: str | None) -> str:
    if node.id == master:
        return "primary_master"
    return "secondary_master" if node.shards == 0 else "coreapp"


def health_payload(nodes: list[NodeView], master: str | None, registered: bool) -> dict[str, Any]:
    """One node → its status; several → one entry per node with its role (contract §8)."""
    if not nodes:
        return {"gateway_status": "disconnected"}

    def status(node: NodeView) -> str:
        return node.gateway_status if registered else "unregistered"

    if len(nodes) == 1:
        return {"gateway_status": status(nodes[0])}
    return {
        f"{node.hostname}:{node.id}": {"gateway_status": status(node), "role": role_of(node, master)}
        for node in nodes
    }


async def read_health(session: AsyncSession) -> dict[str, Any]:
    window = (await effective_settings(session)).unhealthy_interval
    rows = await session.execute(
        text(
            "SELECT n.id, n.hostname, n.gateway_status,"
            " count(l.name) FILTER (WHERE l.name LIKE 'shard:%') AS shards"
            " FROM nodes n LEFT JOIN leases l ON l.holder = n.id AND l.expires_at > now()"
            " WHERE n.heartbeat_at > now() - make_interval(secs => :w)"
            " GROUP BY n.id ORDER BY n.id"
        ),
        {"w": window},
    )
    nodes = [NodeView(r.id, r.hostname, r.gateway_status, int(r.shards)) for r in rows]
    master = (
        await session.execute(text("SELECT holder FROM leases WHERE name = 'master' AND expires_at > now()"))
    ).scalar()
    state = (await session.execute(text("SELECT state FROM account WHERE id = 1"))).scalar()
    return health_payload(nodes, master, state == "registered")
