"""What `/v1/health` and the JSON `/v1/stats/*` answer (documentation: the answers are built as dicts).

The stats' members are the gauges of `stats.py`, by name; a labelled gauge nests by label value.
"""

from __future__ import annotations

from typing import Literal

from wabiz.webapp.openapi import AnswerModel, Envelope

GatewayStatus = Literal["connected", "connecting", "disconnected", "uninitialized", "unregistered"]


class Gateway(AnswerModel):
    gateway_status: GatewayStatus


class NodeHealth(AnswerModel):
    gateway_status: GatewayStatus
    role: Literal["primary_master", "secondary_master", "coreapp"]


class HealthAnswer(Envelope):
    # One node (or none): its status; several: one entry per node, keyed "<hostname>:<id>".
    health: Gateway | dict[str, NodeHealth]


class AppStats(AnswerModel):
    messages: dict[str, dict[str, float]]  # direction → status → count
    messages_pending: float
    callbacks_pending: float
    callbacks_by_attempts: dict[str, float]  # failed attempts ("10+" from ten) → count
    callbacks_oldest_age_seconds: float
    shards: float
    shards_owned: float


class AppStatsSection(AnswerModel):
    app: AppStats


class AppStatsAnswer(Envelope):
    stats: AppStatsSection


class DbStats(AnswerModel):
    rows: dict[str, float]  # table → rows
    size_bytes: float
    connections: float


class DbStatsSection(AnswerModel):
    db: DbStats


class DbStatsAnswer(Envelope):
    stats: DbStatsSection
