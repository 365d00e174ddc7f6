"""`/v1/stats/app` and `/v1/stats/db`: gauges read from the database, as JSON or Prometheus text.

Both views come from one list of gauges, so they always agree; Prometheus text is written by
prometheus_client (escaping, TYPE lines) through a throwaway registry. The counts are exact
(`count(*)`), which costs a scan of `messages` per call: fine for a scrape every 15 s or more.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

MAX_ATTEMPTS_LABEL = 10  # callbacks retried this often or more share one label: "10+"
TABLES = (
    "users",
    "tokens",
    "settings",
    "account",
    "contacts",
    "messages",
    "callbacks",
    "media",
    "nodes",
    "leases",
)


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
    messages = await session.execute(
        text("SELECT direction, status, count(*) AS n FROM messages GROUP BY 1, 2")
    )
    by_status: dict[tuple[str, ...], float] = {(r.direction, r.status): float(r.n) for r in messages}
    callbacks = await session.execute(
        text(
            "SELECT attempts, count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age"
            " FROM callbacks GROUP BY attempts"
        )
    )
    by_attempts: dict[tuple[str, ...], float] = {}
    oldest = 0.0
    for row in callbacks:
        label = (_attempts_label(row.attempts),)
        by_attempts[label] = by_attempts.get(label, 0) + float(row.n)
        oldest = max(oldest, float(row.age))
    shards = await session.execute(
        text(
            "SELECT (SELECT shards FROM account WHERE id = 1) AS total,"
            " (SELECT count(*) FROM leases WHERE name LIKE 'shard:%' AND expires_at > now()) AS owned"
        )
    )
    total, owned = shards.one()
    return [
        Gauge("messages", "Messages by direction and status", ("direction", "status"), by_status),
        Gauge(
            "messages_pending",
            "Outbound messages queued, not yet sent upstream",
            (),
            {(): by_status.get(("out", "queued"), 0)},
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
    # Table names come from the constant above, never from input.
    counts = " UNION ALL ".join(f"SELECT '{t}' AS tbl, count(*) AS n FROM {t}" for t in TABLES)  # noqa: S608
    rows: dict[tuple[str, ...], float] = {(r.tbl,): float(r.n) for r in await session.execute(text(counts))}
    size, connections = (
        await session.execute(
            text(
                "SELECT pg_database_size(current_database()),"
                " (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())"
            )
        )
    ).one()
    return [
        Gauge("rows", "Rows per table", ("table",), rows),
        Gauge("size_bytes", "Size of the database", (), {(): float(size)}),
        Gauge("connections", "Connections to the database (all clients)", (), {(): float(connections)}),
    ]
