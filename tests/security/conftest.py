"""The security tier: what a hostile network or user can try, against the real processes.

The network-side tests share one stack run outside development mode, configured as production
would be: real generated secrets, and the reference receiver reached on loopback only because
`WABIZ_WEBHOOK_ALLOW_PRIVATE` names it, as a business names its in-cluster receiver.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.stack.conftest import admin_client, start_stack, stop_stack
from tests.stack.helpers import ADMIN_PASSWORD, Receiver, Sandbox, login
from wabiz.local.stack import Stack

PRODUCTION_ENV = {
    "WABIZ_DEV_MODE": "false",
    "WABIZ_ALLOW_INSECURE_WEBHOOKS": "true",
    "WABIZ_WEBHOOK_ALLOW_PRIVATE": "127.0.0.1/32",
    "WABIZ_SANDBOX_ENFORCE_WINDOW": "false",
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/security/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.security)


@pytest.fixture(scope="session")
def net_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("network"), env=PRODUCTION_ENV)
    yield running
    stop_stack(running)


@pytest.fixture(scope="session")
def net_api(net_stack: Stack) -> Iterator[httpx.Client]:
    token = login(net_stack.components["webapp"].url, "admin", "secret", new_password=ADMIN_PASSWORD)
    client = admin_client(net_stack, token)
    yield client
    client.close()


@pytest.fixture(scope="session")
def net_receiver(net_stack: Stack) -> Iterator[Receiver]:
    with Receiver(net_stack.components["webhook_receiver"].url) as client:
        yield client


@pytest.fixture(scope="session")
def net_sandbox(net_stack: Stack) -> Iterator[Sandbox]:
    with Sandbox.of(net_stack) as client:
        yield client
