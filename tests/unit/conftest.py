"""Fixtures shared by unit tests: the WebApp on a fresh database, an admin session, an HTTP client.

A module that needs another configuration (test_webapp_media.py) overrides `run` locally.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.unit.webapp_harness import Running, admin_headers, running, webapp_config


@pytest.fixture
async def run(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    async with running(webapp_config(database_url, tmp_path)) as started:
        yield started


@pytest.fixture
async def headers(run: Running) -> dict[str, str]:
    return await admin_headers(run.client)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session
