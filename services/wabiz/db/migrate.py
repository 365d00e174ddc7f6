"""Apply the Alembic migrations: the explicit step before any component starts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, pool

from wabiz.kit.db import CONNECT_ARGS

log = logging.getLogger(__name__)
_HERE = Path(__file__).parent
# How autogenerate compares the models with a database: also column types and server defaults,
# which it would otherwise overlook.
COMPARISON: dict[str, Any] = {"compare_type": True, "compare_server_default": True}


def sync_url(url: str) -> str:
    """Alembic runs synchronously; psycopg 3 serves both, so only the dialect name changes."""
    return url.replace("postgresql+asyncpg://", "postgresql+psycopg://", 1)


@contextmanager
def sync_transaction(url: str) -> Iterator[Connection]:
    """One transaction on a connection of its own, for the steps that run once before the services
    start (they need no pool and no event loop)."""
    engine = create_engine(sync_url(url), poolclass=pool.NullPool, connect_args=CONNECT_ARGS)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config(str(_HERE / "alembic.ini"))
    config.set_main_option("script_location", str(_HERE / "migrations"))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    log.info("applying migrations up to %s", revision)
    command.upgrade(alembic_config(url), revision)
