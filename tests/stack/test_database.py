"""The schema and the text it stores on a database that was not created as UTF8."""

from __future__ import annotations

import asyncio

import psycopg
from sqlalchemy import text

from wabiz.db.migrate import upgrade
from wabiz.kit.db import make_engine
from wabiz.local.stack import Stack


def test_migrations_and_text_on_a_sql_ascii_database(stack: Stack) -> None:
    admin = stack.postgres.dsn("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS wabiz_ascii")
        conn.execute(
            "CREATE DATABASE wabiz_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
        )
    url = stack.postgres.url("wabiz_ascii")
    upgrade(url)

    async def round_trip() -> str:
        engine = make_engine(url, pool_size=1)
        try:
            async with engine.begin() as conn:
                value = await conn.scalar(text("SELECT CAST(:name AS text)"), {"name": "Olá, 世界"})
                return str(value)
        finally:
            await engine.dispose()

    assert asyncio.run(round_trip()) == "Olá, 世界"
