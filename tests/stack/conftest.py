"""The stack tier: the real processes (PostgreSQL, S3 endpoint, sandbox, CoreApp, WebApp, receiver).

One stack per test session, shared by the stack tests, each of which starts from the same state
(tests/stack/shared.py); a module that needs another stack overrides `shared` (test_ha.py). All
stack tests run in one xdist group, on one worker.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stack.shared import SharedStack, api, fresh, receiver, running_stacks, sandbox, shared_stack, stack

__all__ = ["api", "fresh", "receiver", "sandbox", "stack"]  # fixtures of every shared stack


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/stack/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.stack)
            item.add_marker(pytest.mark.xdist_group("stack"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failed stack test, attach the tail of every component's log to the report."""
    report = yield
    if report.failed:
        for running in running_stacks:
            for name, component in running.components.items():
                report.sections.append((f"{running.data_dir.name} {name} log (tail)", component.tail(40)))
    return report


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedStack]:
    with shared_stack(tmp_path_factory.mktemp("stack")) as started:
        yield started
