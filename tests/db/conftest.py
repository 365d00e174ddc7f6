"""The db tier: the repositories of `services/wabiz/db`, and every other test that needs the
embedded PostgreSQL or the local S3 endpoint but no process of ours (the servers come from
tests/conftest.py). Every test gets its own database, cloned from one migrated by Alembic
(`database_url`), so tests see exactly the schema the migrations make and never each other's rows.
Every test here is marked `db`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.db.helpers import Sessions
from tests.db.openapi_conformance import conformance
from tests.db.webapp_harness import headers, run
from wabiz.kit.db import make_engine, make_sessionmaker

__all__ = ["conformance", "headers", "run"]  # fixtures of this tier


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/db/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.db)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = make_engine(database_url, 4)  # the callback worker posts and records concurrently
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def session(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """A session whose transaction a test commits where it must; what it leaves is rolled back."""
    async with sessions() as opened:
        yield opened
