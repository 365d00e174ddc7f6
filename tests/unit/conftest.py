"""The unit tier is pure: no server, no subprocess. A test that asks for PostgreSQL or S3 fails
here with where to put it instead (tests/db)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

SERVER_FIXTURES = ("postgres", "template_database", "database_url", "s3")


def _refused(name: str) -> Callable[[pytest.FixtureRequest], None]:
    @pytest.fixture(name=name)
    def refuse(request: pytest.FixtureRequest) -> None:
        pytest.fail(
            f"{request.node.nodeid} asks for `{name}`: tests/unit runs without a server;"
            " a test that needs PostgreSQL or S3 belongs in tests/db"
        )

    return refuse


postgres, template_database, database_url, s3 = (_refused(name) for name in SERVER_FIXTURES)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session
