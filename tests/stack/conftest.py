"""The stack tier: the real processes (PostgreSQL, S3 endpoint, sandbox, CoreApp, WebApp, receiver).

One stack per test session, shared by every stack test; tests keep to their own recipients and
restore any setting they change. All stack tests run in one xdist group, on one worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.stack.helpers import ADMIN_PASSWORD, Receiver, Sandbox, login
from tests.tooling.waiting import eventually
from wabiz.local.stack import Stack, StackOptions

SANDBOX_ENV = {
    "WABIZ_SANDBOX_SENT_DELAY": "0.02",
    "WABIZ_SANDBOX_DELIVERED_DELAY": "0.05",
    "WABIZ_SANDBOX_READ_DELAY": "0.1",
    "WABIZ_SANDBOX_SEED": "7",
}

# Tests want retries in fractions of a second, not the production default of 3 s.
TEST_SETTINGS = {
    "webhooks": {"message": {"sent": True, "delivered": True, "read": True}},
    "callback_backoff_delay_ms": 300,
    "max_callback_backoff_delay_ms": 2000,
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/stack/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.stack)
            item.add_marker(pytest.mark.xdist_group("stack"))


_running: list[Stack] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failed stack test, attach the tail of every component's log to the report."""
    report = yield
    if report.failed:
        for running in _running:
            for name, component in running.components.items():
                report.sections.append((f"{running.data_dir.name} {name} log (tail)", component.tail(40)))
    return report


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    stop_stack(running)


@pytest.fixture(scope="session")
def admin_token(stack: Stack) -> str:
    return login(stack.components["webapp"].url, "admin", "secret", new_password=ADMIN_PASSWORD)


def admin_client(stack: Stack, token: str) -> httpx.Client:
    """An admin client of the stack's WebApp, with the test settings applied."""
    client = httpx.Client(
        base_url=stack.components["webapp"].url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    answer = client.patch("/v1/settings/application", json=TEST_SETTINGS)
    assert answer.status_code == 200, answer.text
    wait_settings_applied(stack)
    return client


def start_stack(data_dir: Path, env: dict[str, str] | None = None, **options: Any) -> Stack:
    """A stack on free ports with fast sandbox statuses; `env` adds to (or overrides) its environment."""
    running = Stack(
        StackOptions(
            data_dir=data_dir,
            port=0,
            media="s3",
            extra_env=SANDBOX_ENV | (env or {}),
            default_ports=False,
            **options,
        )
    )
    try:
        running.start()
    except Exception:
        for component in running.components.values():
            print(f"--- {component.name} log ---\n{component.tail(60)}")
        running.stop()
        raise
    _running.append(running)
    return running


def stop_stack(running: Stack) -> None:
    _running.remove(running)
    running.stop()


@pytest.fixture(scope="session")
def api(stack: Stack, admin_token: str) -> Iterator[httpx.Client]:
    client = admin_client(stack, admin_token)
    yield client
    client.close()


def wait_settings_applied(stack: Stack) -> None:
    """CoreApps poll the settings version; wait until every one runs with the latest."""
    dsn = stack.postgres.dsn()
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT version FROM settings WHERE name = 'application'").fetchone()
    latest = row[0] if row else 0
    for name in stack.components:
        if name.startswith("coreapp-"):
            eventually(
                lambda name=name: (
                    stack.internal_call("/internal/health", node=name)["settings_version"] >= latest
                ),
                timeout=10,
                what=f"{name} to apply the settings",
            )


@pytest.fixture(scope="session")
def receiver(stack: Stack) -> Iterator[Receiver]:
    with Receiver(stack.components["webhook_receiver"].url) as client:
        yield client


@pytest.fixture(scope="session")
def sandbox(stack: Stack) -> Iterator[Sandbox]:
    with Sandbox.of(stack) as client:
        yield client
