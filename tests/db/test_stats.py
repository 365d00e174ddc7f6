"""Stats counts: exact below the bound, and the figures the database reports about itself."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.db.helpers import sql
from wabiz.db import callbacks, stats


async def test_counts_by_group(session: AsyncSession) -> None:
    await sql(
        session,
        "INSERT INTO messages (id, direction, wa_id, shard, type, status) VALUES"
        " ('a', 'out', '1', 0, 'text', 'queued'), ('b', 'out', '1', 0, 'text', 'queued'),"
        " ('c', 'in', '1', 0, 'text', 'received')",
    )
    await callbacks.enqueue(session, [(0, {}), (0, {})])
    await sql(session, "UPDATE callbacks SET attempts = 12 WHERE id = (SELECT min(id) FROM callbacks)")
    assert await stats.messages_by_status(session) == {("out", "queued"): 2, ("in", "received"): 1}
    assert await stats.queued_messages(session) == 2
    assert await stats.callbacks_by_attempts(session) == {0: 1, 12: 1}
    assert await stats.oldest_callback_age(session) >= 0
    rows = await stats.rows_per_table(session)
    assert (rows["messages"], rows["callbacks"], rows["users"], rows["leases"]) == (3, 2, 1, 0)


async def test_an_empty_queue_has_no_age(session: AsyncSession) -> None:
    assert await stats.oldest_callback_age(session) == 0
    assert await stats.queued_messages(session) == 0


async def test_the_database_describes_itself(session: AsyncSession) -> None:
    size, connections = await stats.database_size_and_connections(session)
    assert size > 0 and connections >= 1
    assert (await stats.server_version(session)).startswith("PostgreSQL")


async def test_past_the_bound_counts_are_estimates(session: AsyncSession) -> None:
    await sql(
        session,
        "INSERT INTO messages (id, direction, wa_id, shard, type, status)"
        " SELECT 'm' || n, 'out', '1', 0, 'text', 'queued' FROM generate_series(1, :n) AS n",
        n=stats.EXACT_UP_TO + 50,
    )
    assert await stats.queued_messages(session) > stats.EXACT_UP_TO
    by_status = await stats.messages_by_status(session)
    assert list(by_status) == [("out", "queued")] and by_status[("out", "queued")] > stats.EXACT_UP_TO
