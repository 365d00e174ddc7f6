"""`/v1/stats/app` and `/v1/stats/db`: gauges read from the database, as JSON or Prometheus text.

Both views come from one list of gauges, so they always agree; Prometheus text is written by
prometheus_client (escaping, TYPE lines) through a throwaway registry.

A call must not cost a scan of every table (anyone with a token or the probe key can call it in a
loop), so counts are exact only up to `EXACT_UP_TO` rows: a count reads at most that many rows and
stops. Past it, a table's count is PostgreSQL's own estimate (`n_live_tup`, kept by its statistics
as rows change, else `reltuples` from the last ANALYZE) and counts by group (messages by direction
and status, callbacks by attempts) are that estimate shared out in the proportions of a random
sample of about `EXACT_UP_TO` rows (`TABLESAMPLE SYSTEM`, whole pages picked at random).
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
EXACT_UP_TO = 10_000
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


async def _estimated_rows(session: AsyncSession, table: str) -> float:
    estimate = await session.execute(
        text(
            "SELECT greatest(coalesce(s.n_live_tup, 0), c.reltuples, 0) FROM pg_class c"
            " LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid"
            " WHERE c.oid = to_regclass(:t)"
        ),
        {"t": table},
    )
    return float(estimate.scalar() or 0)


async def _grouped(
    session: AsyncSession, source: str, columns: tuple[str, ...]
) -> dict[tuple[str, ...], float]:
    # `source` and `columns` come from this module, never from input.
    listed = ", ".join(columns)
    query = (
        f"SELECT {listed}, count(*) FROM {source} GROUP BY {listed}"  # noqa: S608
        if columns
        else f"SELECT count(*) FROM {source}"  # noqa: S608
    )
    rows = await session.execute(text(query))
    counts = {tuple(str(value) for value in row[:-1]): float(row[-1]) for row in rows}
    return {key: n for key, n in counts.items() if n}


async def counts_by(
    session: AsyncSession, table: str, columns: tuple[str, ...] = (), where: str = "true"
) -> dict[tuple[str, ...], float]:
    """Rows of `table` matching `where`, counted by `columns` (none: `{(): total}`, or `{}` for 0):
    exact up to EXACT_UP_TO rows, estimated beyond."""
    selected = ", ".join(columns) or "1"
    bounded = f"(SELECT {selected} FROM {table} WHERE {where} LIMIT {EXACT_UP_TO + 1}) AS bounded"  # noqa: S608
    exact = await _grouped(session, bounded, columns)
    if sum(exact.values()) <= EXACT_UP_TO:
        return exact
    estimate = max(await _estimated_rows(session, table), EXACT_UP_TO + 1)
    if not columns:
        return {(): estimate}
    percent = min(100.0, 100.0 * EXACT_UP_TO / estimate)
    sampled = f"(SELECT {selected} FROM {table} TABLESAMPLE SYSTEM ({percent}) WHERE {where}) AS sampled"  # noqa: S608
    sample = await _grouped(session, sampled, columns) or exact
    scale = estimate / sum(sample.values())
    return {key: round(n * scale) for key, n in sample.items()}


async def app_stats(session: AsyncSession) -> list[Gauge]:
    by_status = await counts_by(session, "messages", ("direction", "status"))
    queued = await counts_by(session, "messages", where="status = 'queued'")
    by_attempts: dict[tuple[str, ...], float] = {}
    for (attempts,), n in (await counts_by(session, "callbacks", ("attempts",))).items():
        label = (_attempts_label(int(attempts)),)
        by_attempts[label] = by_attempts.get(label, 0) + n
    oldest = (
        await session.execute(
            text("SELECT extract(epoch FROM now() - created_at) FROM callbacks ORDER BY id LIMIT 1")
        )
    ).scalar()
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
            {(): queued.get((), 0)},
        ),
        Gauge("callbacks_pending", "Callbacks waiting for delivery", (), {(): sum(by_attempts.values())}),
        Gauge(
            "callbacks_by_attempts",
            "Pending callbacks by failed delivery attempts",
            ("attempts",),
            by_attempts,
        ),
        Gauge(
            "callbacks_oldest_age_seconds", "Age of the oldest pending callback", (), {(): float(oldest or 0)}
        ),
        Gauge("shards", "Configured shard count", (), {(): float(total)}),
        Gauge("shards_owned", "Shards held by a live CoreApp", (), {(): float(owned)}),
    ]


async def db_stats(session: AsyncSession) -> list[Gauge]:
    rows: dict[tuple[str, ...], float] = {}
    for table in TABLES:
        rows[(table,)] = (await counts_by(session, table)).get((), 0.0)
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
