"""The engine and its two kinds of sessions (`kit/db.py`), against the real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from wabiz.kit.db import libpq_url, make_engine, make_sessionmaker, make_statement_sessionmaker

TXID = text("SELECT txid_current()")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url, 2)
    yield engine
    await engine.dispose()


async def test_statement_sessions_run_each_statement_in_a_transaction_of_its_own(engine: AsyncEngine) -> None:
    async with make_statement_sessionmaker(engine).begin() as session:
        first, second = (await session.execute(TXID)).scalar(), (await session.execute(TXID)).scalar()
    assert first != second
    async with make_sessionmaker(engine).begin() as session:
        first, second = (await session.execute(TXID)).scalar(), (await session.execute(TXID)).scalar()
    assert first == second


async def test_a_statement_session_leaves_the_pooled_connection_transactional(engine: AsyncEngine) -> None:
    """The pool is shared: a connection that served autocommit work is transactional again."""
    for _ in range(3):  # more than the pool holds, so connections are reused
        async with make_statement_sessionmaker(engine)() as session:
            await session.execute(TXID)
        async with make_sessionmaker(engine).begin() as session:
            assert (await session.execute(TXID)).scalar() == (await session.execute(TXID)).scalar()


async def test_after_the_server_drops_every_connection_no_statement_fails(
    engine: AsyncEngine, database_url: str
) -> None:
    """A restart or failover: the check before each checkout replaces the dead connections."""
    sessions = make_sessionmaker(engine)
    async with sessions() as first, sessions() as second:  # two connections in the pool
        await first.execute(TXID)
        await second.execute(TXID)
    async with await psycopg.AsyncConnection.connect(libpq_url(database_url), autocommit=True) as admin:
        await admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    for statements in (make_statement_sessionmaker(engine), sessions, sessions):
        async with statements.begin() as session:
            await session.execute(TXID)
