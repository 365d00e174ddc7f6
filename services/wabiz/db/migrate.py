"""Apply the Alembic migrations: the explicit step before any component starts."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

log = logging.getLogger(__name__)
_HERE = Path(__file__).parent


def sync_url(url: str) -> str:
    """Alembic runs synchronously; psycopg 3 serves both, so only the dialect name changes."""
    return url.replace("postgresql+asyncpg://", "postgresql+psycopg://", 1)


def alembic_config(url: str) -> Config:
    config = Config(str(_HERE / "alembic.ini"))
    config.set_main_option("script_location", str(_HERE / "migrations"))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    log.info("applying migrations up to %s", revision)
    command.upgrade(alembic_config(url), revision)
