"""`/v1/stats/*` must not read every row of every table per call: anyone with a token can call it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from tests.db.webapp_harness import API_KEY, Running, running, webapp_config

ROWS = 200_000
PROBE = {"Authorization": f"Apikey {API_KEY}"}


@pytest.fixture
async def run(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    async with running(webapp_config(database_url, tmp_path)) as started:
        yield started


async def _rows_read(run: Running, dsn: str) -> int:
    """Rows PostgreSQL read from `messages` so far, from the table or its indexes. A backend reports
    its counts when it goes idle for a while or exits: closing the app's connections makes it exit."""
    await run.state.engine.dispose()
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(t.seq_tup_read, 0)"
            " + (SELECT coalesce(sum(i.idx_tup_read), 0) FROM pg_stat_user_indexes i WHERE i.relid = t.relid)"
            " FROM pg_stat_user_tables t WHERE t.relname = 'messages'"
        ).fetchone()
    return int(row[0]) if row else 0


async def test_stats_read_a_bounded_number_of_rows_and_stay_close(run: Running, database_url: str) -> None:
    await run.sql(
        "INSERT INTO messages (id, direction, wa_id, shard, type, status)"
        " SELECT 'm' || g, CASE WHEN g % 4 = 0 THEN 'in' ELSE 'out' END, '1', 0, 'text',"
        " CASE WHEN g % 4 = 0 THEN 'received' WHEN g % 4 = 1 THEN 'delivered' ELSE 'read' END"
        " FROM generate_series(1, :n) AS g",
        n=ROWS,
    )
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    before = await _rows_read(run, dsn)
    app = (await run.client.get("/v1/stats/app", headers=PROBE)).json()["stats"]["app"]
    db = (await run.client.get("/v1/stats/db", headers=PROBE)).json()["stats"]["db"]
    read = await _rows_read(run, dsn) - before

    assert read < ROWS / 4, f"two stats calls read {read} rows of messages ({ROWS} rows in the table)"
    assert 0.7 * ROWS < db["rows"]["messages"] < 1.3 * ROWS, db["rows"]
    assert 0.7 * ROWS / 4 < app["messages"]["in"]["received"] < 1.3 * ROWS / 4, app["messages"]
    assert 0.7 * ROWS / 2 < app["messages"]["out"]["read"] < 1.3 * ROWS / 2, app["messages"]
    assert app["messages_pending"] == 0 and db["rows"]["users"] == 1, "small counts stay exact"
