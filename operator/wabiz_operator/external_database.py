"""The external PostgreSQL: reachable with the given credentials, and the database created."""

from __future__ import annotations

import asyncio

import psycopg
from psycopg import sql

from wabiz_operator.spec import ExternalDatabase
from wabiz_operator.status import Check


def _ensure_database(external: ExternalDatabase, host: str, user: str, password: str) -> None:
    params = {
        "host": host,
        "port": external.port,
        "user": user,
        "password": password,
        "sslmode": external.ssl_mode,
    }
    with psycopg.connect(dbname="postgres", connect_timeout=5, autocommit=True, **params) as conn:  # type: ignore[arg-type]
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (external.name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(external.name)))


async def ensure_database(external: ExternalDatabase, host: str, user: str, password: str) -> Check:
    """`host` is the external host as the client's pods see it (see `addresses.py`)."""
    try:
        await asyncio.to_thread(_ensure_database, external, host, user, password)
    except psycopg.Error as exc:
        text = str(exc).strip()
        first_line = text.splitlines()[0] if text else type(exc).__name__
        return Check(
            False,
            "DatabaseUnreachable",
            f"{host}:{external.port}: {first_line}; check the host and credentials Secret",
        )
    return Check(
        True, "DatabaseReachable", f"database {external.name} on {host}:{external.port} is reachable"
    )
