"""Counts and figures for `/v1/stats/*`: bounded, so a call never costs a scan of every table.

Anyone with a token or the probe key can call the stats in a loop, so counts are exact only up to
`EXACT_UP_TO` rows: a count reads at most that many rows and stops. Past it, a table's count is
PostgreSQL's own estimate (`n_live_tup`, kept by its statistics as rows change, else `reltuples`
from the last ANALYZE) and counts by group (messages by direction and status, callbacks by
attempts) are that estimate shared out in the proportions of a random sample of about
`EXACT_UP_TO` rows (`TABLESAMPLE SYSTEM`, whole pages picked at random).

Counts are keyed by the tuple of their group's values (`{(): total}` for a plain count, `{}` for
none at all).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db.models import Base

EXACT_UP_TO = 10_000
TABLES = tuple(Base.metadata.tables)
Counts = dict[tuple[str, ...], float]


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


async def _grouped(session: AsyncSession, source: str, columns: tuple[str, ...]) -> Counts:
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


async def _counts_by(
    session: AsyncSession, table: str, columns: tuple[str, ...] = (), where: str = "true"
) -> Counts:
    """Rows of `table` matching `where`, counted by `columns`: exact up to EXACT_UP_TO rows,
    estimated beyond."""
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


async def messages_by_status(session: AsyncSession) -> Counts:
    """Keyed by (direction, status)."""
    return await _counts_by(session, "messages", ("direction", "status"))


async def queued_messages(session: AsyncSession) -> float:
    return (await _counts_by(session, "messages", where="status = 'queued'")).get((), 0)


async def callbacks_by_attempts(session: AsyncSession) -> dict[int, float]:
    counts = await _counts_by(session, "callbacks", ("attempts",))
    return {int(attempts): n for (attempts,), n in counts.items()}


async def oldest_callback_age(session: AsyncSession) -> float:
    """Seconds since the oldest pending callback was queued; 0 when none is."""
    age = (
        await session.execute(
            text("SELECT extract(epoch FROM now() - created_at) FROM callbacks ORDER BY id LIMIT 1")
        )
    ).scalar()
    return float(age or 0)


async def rows_per_table(session: AsyncSession) -> dict[str, float]:
    return {table: (await _counts_by(session, table)).get((), 0.0) for table in TABLES}


async def database_size_and_connections(session: AsyncSession) -> tuple[float, float]:
    size, connections = (
        await session.execute(
            text(
                "SELECT pg_database_size(current_database()),"
                " (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())"
            )
        )
    ).one()
    return float(size), float(connections)


async def server_version(session: AsyncSession) -> str:
    version: str = (await session.execute(text("SELECT version()"))).scalar_one()
    return version
