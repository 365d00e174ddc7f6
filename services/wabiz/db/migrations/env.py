"""Alembic environment: the URL comes from the caller (`wabiz migrate`), never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from wabiz.db.migrate import COMPARISON
from wabiz.db.models import Base
from wabiz.kit.db import CONNECT_ARGS

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = create_engine(str(url), poolclass=pool.NullPool, connect_args=CONNECT_ARGS)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, **COMPARISON)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
