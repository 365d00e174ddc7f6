"""Fixtures shared by every tier: a real PostgreSQL (embedded) and a real S3 endpoint (moto).

One server per test session; each test that writes gets its own database cloned from a migrated
template, so tests stay independent without paying for migrations each time.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from wabiz.db.migrate import upgrade
from wabiz.local.ports import pick
from wabiz.local.postgres import EmbeddedPostgres
from wabiz.local.s3 import LocalS3

_counter = itertools.count()


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("postgres"), pick())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def template_database(postgres: EmbeddedPostgres) -> str:
    """A database migrated by Alembic (never create_all), used as the template of test databases."""
    name = f"template_{os.getpid()}"
    postgres.ensure_database(name)
    upgrade(postgres.url(name))
    return name


@pytest.fixture
def database_url(postgres: EmbeddedPostgres, template_database: str) -> str:
    """A fresh, migrated database for this test."""
    name = f"test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(_dsn(postgres.url("postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    return postgres.url(name)


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalS3]:
    server = LocalS3(port=pick())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    return tmp_path
