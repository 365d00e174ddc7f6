"""`/v1/stats/app` and `/v1/stats/db`: gauges read from the database, as JSON or Prometheus text.

Both views come from one list of gauges, so they always agree; Prometheus text is written by
prometheus_client (escaping, TYPE lines) through a throwaway registry. The counts are bounded
estimates past a size (`db.stats`), so a call never scans every table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import leases, stats
from wabiz.db.account import read_account

MAX_ATTEMPTS_LABEL = 10  # callbacks retried this often or more share one label: "10+"


@dataclass(frozen=True)
class Gauge:
    name: str
    help: str
    labels: tuple[str, ...] = ()
    samples: dict[tuple[str, ...], float] = field(default_factory=dict)


def as_json(gauges: list[Gauge]) -> dict[str, Any]:
    """Unlabelled gauges → their value; labelled ones → nested by label value."""
    result: dict[str, Any] = {}
    for gauge in gauges:
        if not gauge.labels:
            result[gauge.name] = gauge.samples.get((), 0)
            continue
        nested: dict[str, Any] = result.setdefault(gauge.name, {})
        for key, value in sorted(gauge.samples.items()):
            level = nested
            for part in key[:-1]:
                level = level.setdefault(part, {})
            level[key[-1]] = value
    return result


class _Gauges(Collector):
    def __init__(self, prefix: str, gauges: list[Gauge]) -> None:
        self._prefix, self._gauges = prefix, gauges

    def collect(self) -> Iterator[Metric]:
        for gauge in self._gauges:
            family = GaugeMetricFamily(f"{self._prefix}_{gauge.name}", gauge.help, labels=gauge.labels)
            for key, value in sorted(gauge.samples.items()):
                family.add_metric(list(key), value)
            yield family


def as_prometheus(prefix: str, gauges: list[Gauge]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Gauges(prefix, gauges))
    return generate_latest(registry)


def _attempts_label(attempts: int) -> str:
    return f"{MAX_ATTEMPTS_LABEL}+" if attempts >= MAX_ATTEMPTS_LABEL else str(attempts)


async def app_stats(session: AsyncSession) -> list[Gauge]:
    by_status = await stats.messages_by_status(session)
    queued = await stats.queued_messages(session)
    by_attempts: dict[tuple[str, ...], float] = {}
    for attempts, n in (await stats.callbacks_by_attempts(session)).items():
        label = (_attempts_label(attempts),)
        by_attempts[label] = by_attempts.get(label, 0) + n
    oldest = await stats.oldest_callback_age(session)
    total = (await read_account(session)).shards
    owned = await leases.owned_shard_count(session)
    return [
        Gauge("messages", "Messages by direction and status", ("direction", "status"), by_status),
        Gauge(
            "messages_pending",
            "Outbound messages queued, not yet sent upstream",
            (),
            {(): queued},
        ),
        Gauge("callbacks_pending", "Callbacks waiting for delivery", (), {(): sum(by_attempts.values())}),
        Gauge(
            "callbacks_by_attempts",
            "Pending callbacks by failed delivery attempts",
            ("attempts",),
            by_attempts,
        ),
        Gauge("callbacks_oldest_age_seconds", "Age of the oldest pending callback", (), {(): oldest}),
        Gauge("shards", "Configured shard count", (), {(): float(total)}),
        Gauge("shards_owned", "Shards held by a live CoreApp", (), {(): float(owned)}),
    ]


async def db_stats(session: AsyncSession) -> list[Gauge]:
    rows: dict[tuple[str, ...], float] = {
        (table,): n for table, n in (await stats.rows_per_table(session)).items()
    }
    size, connections = await stats.database_size_and_connections(session)
    return [
        Gauge("rows", "Rows per table", ("table",), rows),
        Gauge("size_bytes", "Size of the database", (), {(): size}),
        Gauge("connections", "Connections to the database (all clients)", (), {(): connections}),
    ]
