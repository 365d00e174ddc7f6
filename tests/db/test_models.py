"""`db.models` and the Alembic migrations describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, pool

from wabiz.db.migrate import COMPARISON, sync_url
from wabiz.db.models import Base
from wabiz.db.stats import TABLES


def test_the_models_match_a_database_migrated_to_head(database_url: str) -> None:
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=COMPARISON)
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "the models drifted from the migrations: fix the models (or add a migration)"


def test_stats_count_every_table() -> None:
    assert set(TABLES) == {
        "users",
        "tokens",
        "settings",
        "account",
        "contacts",
        "messages",
        "callbacks",
        "media",
        "nodes",
        "leases",
    }
