"""The bench's smoke run: `python -m bench.run --quick`, real stacks of its own. In the stack tier
(it needs the same servers) but in an xdist group of its own, beside the shared stack's."""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/bench/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.stack)
            item.add_marker(pytest.mark.xdist_group("bench"))
