"""What `GET /v1/support` answers (documentation: the answer is built as a dict)."""

from __future__ import annotations

from wabiz.webapp.health.schemas import GatewayStatus
from wabiz.webapp.openapi import AnswerModel, Envelope


class SupportAccount(AnswerModel):
    state: str
    cc: str | None
    phone_number: str | None


class SupportLease(AnswerModel):
    name: str
    holder: str
    epoch: int
    live: bool
    acquired_at: str  # ISO 8601


class SupportNode(AnswerModel):
    id: str
    hostname: str
    url: str
    gateway_status: GatewayStatus
    heartbeat_at: str  # ISO 8601


class Support(AnswerModel):
    version: str
    database: str  # the server's version string
    shards: int
    account: SupportAccount
    leases: list[SupportLease]
    nodes: list[SupportNode]


class SupportAnswer(Envelope):
    support: Support
