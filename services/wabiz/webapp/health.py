"""`/v1/health`, `/v1/stats/app`, `/v1/stats/db` and `/metrics`: bearer or Apikey."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from prometheus_client import generate_latest
from sqlalchemy import text

from wabiz.kit.appsettings import validate
from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.deps import Probe, State
from wabiz.webapp.metrics import REGISTRY

router = APIRouter(tags=["health"])
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


def health_payload(nodes: list[dict[str, Any]], master: str | None, registered: bool) -> dict[str, Any]:
    """The contract's shape: one node → its status; several → one entry each with its role."""
    if not nodes:
        return {"gateway_status": "unregistered" if not registered else "disconnected"}
    if len(nodes) == 1:
        return {"gateway_status": nodes[0]["gateway_status"]}
    roles = {}
    for node in nodes:
        role = "primary_master" if node["id"] == master else "coreapp"
        roles[f"{node['hostname']}:{node['id']}"] = {"gateway_status": node["gateway_status"], "role": role}
    return roles


@router.get("/v1/health")
async def health(probe: Probe, state: State) -> JSON:
    async with state.sessions() as session:
        stored = (
            await session.execute(text("SELECT value FROM settings WHERE name = 'application'"))
        ).first()
        unhealthy = validate(dict(stored.value) if stored else {}).unhealthy_interval
        nodes = await session.execute(
            text(
                "SELECT id, hostname, gateway_status FROM nodes"
                " WHERE heartbeat_at > now() - make_interval(secs => :t) ORDER BY id"
            ),
            {"t": unhealthy},
        )
        master = (
            await session.execute(
                text("SELECT holder FROM leases WHERE name = 'master' AND expires_at > now()")
            )
        ).scalar()
    shard_map = await state.router.current()
    return JSON(ok(health=health_payload([dict(n._mapping) for n in nodes], master, shard_map.registered)))


async def _app_stats(state: State) -> dict[str, int]:
    async with state.sessions() as session:
        rows = await session.execute(
            text("SELECT direction, status, count(*) AS n FROM messages GROUP BY 1, 2")
        )
        stats = {f"messages_{r.direction}_{r.status}": int(r.n) for r in rows}
        callbacks = (
            await session.execute(
                text("SELECT count(*), count(*) FILTER (WHERE attempts > 0) FROM callbacks")
            )
        ).one()
        epochs = (await session.execute(text("SELECT coalesce(sum(epoch), 0) FROM leases"))).scalar_one()
    stats["lease_epochs"] = int(epochs)
    stats["callbacks_pending"] = int(callbacks[0])
    stats["callbacks_retrying"] = int(callbacks[1])
    stats["messages_pending"] = stats.get("messages_out_queued", 0)
    return stats


async def _db_stats(state: State) -> dict[str, int]:
    tables = ("users", "tokens", "contacts", "messages", "callbacks", "media", "nodes", "leases")
    # Table names come from the constant above, never from input.
    query = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in tables)  # noqa: S608
    async with state.sessions() as session:
        return {f"rows_{r.t}": int(r.n) for r in await session.execute(text(query))}


def prometheus_text(prefix: str, stats: dict[str, int]) -> str:
    lines = []
    for name, value in sorted(stats.items()):
        metric = f"wabiz_{prefix}_{name}"
        lines += [f"# TYPE {metric} gauge", f"{metric} {value}"]
    return "\n".join(lines) + "\n"


def _render(kind: str, stats: dict[str, int], format: str) -> Response:
    if format == "prometheus":
        return Response(prometheus_text(kind, stats), media_type=PROMETHEUS)
    return JSON(ok(stats={kind: stats}))


@router.get("/v1/stats/app")
async def app_stats(probe: Probe, state: State, format: Literal["json", "prometheus"] = "json") -> Response:
    return _render("app", await _app_stats(state), format)


@router.get("/v1/stats/db")
async def db_stats(probe: Probe, state: State, format: Literal["json", "prometheus"] = "json") -> Response:
    return _render("db", await _db_stats(state), format)


@router.get("/metrics")
async def metrics(probe: Probe) -> Response:
    return Response(generate_latest(REGISTRY), media_type=PROMETHEUS)
