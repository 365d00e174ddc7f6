"""Async engine and sessions (SQLAlchemy 2 + psycopg 3), pooled once per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# wabiz stores UTF-8 text. Asking for it explicitly keeps a database created with another encoding
# (SQL_ASCII, the default of an initdb under the C locale) from handing psycopg undecoded bytes.
CONNECT_ARGS: dict[str, str | int] = {"connect_timeout": 5, "client_encoding": "utf8"}


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # A ping before every checkout (one round trip, ~0.3 ms on the bench machine): a server
        # that restarted or failed over costs no statement at all. Without it the first statement
        # on each dead connection failed, and the test tier saw pooled connections abandoned at
        # shutdown (a CoreApp stopped while the sandbox still posted to it).
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args=CONNECT_ARGS,
        # jsonb columns (callback payloads, message bodies) are read on the hot path: orjson
        # decodes them several times faster than the standard library psycopg uses by default.
        json_deserializer=orjson.loads,
    )


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it, for a connection of our own outside the pool."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
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
