"""The db tier: tests that need the embedded PostgreSQL or the local S3 endpoint, and no process of
ours (the servers come from tests/conftest.py, a fresh database per test). Every test here is
marked `db`."""

from __future__ import annotations

import pytest

from tests.db.webapp_harness import headers, run

__all__ = ["headers", "run"]  # fixtures of this tier


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/db/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.db)
