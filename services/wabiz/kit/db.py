"""Async engine and sessions (SQLAlchemy 2 + psycopg 3), pooled once per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import psycopg
from psycopg import pq
from sqlalchemy import event, exc, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# wabiz stores UTF-8 text. Asking for it explicitly keeps a database created with another encoding
# (SQL_ASCII, the default of an initdb under the C locale) from handing psycopg undecoded bytes.
CONNECT_ARGS: dict[str, str | int] = {"connect_timeout": 5, "client_encoding": "utf8"}


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No ping before each checkout (`refuse_dead_connection` instead): with single statements
        # in autocommit, the ping was a quarter of a message's database round trips.
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args=CONNECT_ARGS,
        # jsonb columns (callback payloads, message bodies) are read on the hot path: orjson
        # decodes them several times faster than the standard library psycopg uses by default.
        json_deserializer=orjson.loads,
    )
    event.listen(engine.sync_engine, "checkout", refuse_dead_connection)
    return engine


def refuse_dead_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Before the pool hands out a connection: is it still connected? A server that restarted,
    failed over or ended the session closed the socket, and libpq reads that without a round
    trip. A dead one is replaced and the pool's older connections with it, as a failed ping
    did (they died together): a statement never runs on a connection known to be gone."""
    if not is_connected(dbapi_connection.driver_connection.pgconn):
        raise exc.InvalidatePoolError("the server closed the connection while it sat in the pool")


def is_connected(pgconn: pq.abc.PGconn) -> bool:
    """Read what the server sent while the connection sat idle, without waiting: False when the
    connection is gone. Twice: a server ending a session sends its reason, then closes, and one
    read takes the reason only; on a live idle connection both reads find nothing."""
    try:
        for _ in range(2):
            pgconn.consume_input()
    except psycopg.OperationalError:
        return False
    return pgconn.status == pq.ConnStatus.OK


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it, for a connection of our own outside the pool."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Transactional sessions. Open them with `.begin()`, reads too: a session that ends without
    a commit rolls back, and on ROLLBACK psycopg forgets every statement it prepared on that
    pooled connection (`DEALLOCATE ALL`), so the hot path's statements there run unprepared again."""
    return async_sessionmaker(engine, expire_on_commit=False)


def make_statement_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for work that is a single statement, on the same pool, in autocommit: the
    statement is its own transaction, so no BEGIN before it and no COMMIT or ROLLBACK after it
    (two of the three round trips of a small read or batch write on the hot path). Work of two
    statements or more that must stand or fall together uses `make_sessionmaker`."""
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits on success, rolls back on any exception."""
    async with sessions() as session, session.begin():
        yield session
