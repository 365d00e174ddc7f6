"""`/v1/health`, `/v1/stats/app`, `/v1/stats/db` and `/metrics`: a bearer token or the Apikey."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.deps import ProbeOrUser, Session, State
from wabiz.webapp.health import service, stats
from wabiz.webapp.health.schemas import AppStatsAnswer, DbStatsAnswer, HealthAnswer
from wabiz.webapp.openapi import (
    PROBE_AUTH,
    PROMETHEUS,
    Envelope,
    Responses,
    answer,
    answered,
    errors,
    json_content,
)

router = APIRouter(tags=["health"])
Format = Literal["json", "prometheus"]
PROMETHEUS_TEXT = {PROMETHEUS: {"schema": {"type": "string"}}}


def _stats_answers(shape: type[Envelope]) -> Responses:
    described = answer(
        "JSON, or Prometheus text with format=prometheus", json_content(shape) | PROMETHEUS_TEXT
    )
    return errors(400, also={200: described})


def _stats_response(kind: str, gauges: list[stats.Gauge], format: Format) -> Response:
    if format == "prometheus":
        return Response(stats.as_prometheus(f"wabiz_{kind}", gauges), media_type=PROMETHEUS)
    return JSON(ok(stats={kind: stats.as_json(gauges)}))


@router.get(
    "/v1/health",
    openapi_extra=PROBE_AUTH,
    responses=errors(also={200: answered("The gateway status", HealthAnswer)}),
)
async def get_health(probe: ProbeOrUser, session: Session) -> JSON:
    """The gateway status of each live CoreApp (one node: just its status)."""
    return JSON(ok(health=await service.read_health(session)))


@router.get(
    "/v1/stats/app",
    response_class=Response,
    openapi_extra=PROBE_AUTH,
    responses=_stats_answers(AppStatsAnswer),
)
async def get_app_stats(probe: ProbeOrUser, session: Session, format: Format = "json") -> Response:
    """Messages by direction and status, pending messages and callbacks, shard ownership."""
    return _stats_response("app", await stats.app_stats(session), format)


@router.get(
    "/v1/stats/db", response_class=Response, openapi_extra=PROBE_AUTH, responses=_stats_answers(DbStatsAnswer)
)
async def get_db_stats(probe: ProbeOrUser, session: Session, format: Format = "json") -> Response:
    """Rows per table, database size and connections."""
    return _stats_response("db", await stats.db_stats(session), format)


@router.get(
    "/metrics",
    response_class=Response,
    openapi_extra=PROBE_AUTH,
    responses=errors(also={200: answer("Prometheus text", PROMETHEUS_TEXT)}),
)
async def get_metrics(probe: ProbeOrUser, state: State) -> Response:
    """This WebApp process's request counts and latencies (Prometheus exposition)."""
    return Response(state.metrics.exposition(), media_type=PROMETHEUS)
