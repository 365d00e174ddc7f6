"""The security tier: what a hostile network or a hostile user can do, tried against real processes.

Every test here is marked `security`.
- `webapp` starts a WebApp process of its own on a fresh database (no CoreApp: login, users,
  health and media need none), configured by environment like a container, so a test may turn the
  WebApp's knobs without disturbing the shared stack.
- The network-side tests share one stack (`stack`, `api`, `receiver`, `sandbox`, each test starting
  from the same state: tests/stack/shared.py) run outside development mode, configured as
  production would be: real generated secrets, and the reference receiver reached on loopback
  only because `WABIZ_WEBHOOK_ALLOW_PRIVATE` names it, as a business names its in-cluster receiver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from tests.stack.shared import SharedStack, api, fresh, receiver, sandbox, shared_stack, stack
from wabiz.local import ports
from wabiz.local.processes import Component

INTERNAL_TOKEN = "internal-token-for-security-tests"
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


__all__ = ["api", "fresh", "receiver", "sandbox", "stack"]  # fixtures of the shared stack
StartWebApp = Callable[..., AbstractContextManager[Component]]


@pytest.fixture
def webapp(database_url: str, tmp_path: Path) -> StartWebApp:
    """`with webapp(WABIZ_X="1") as process:` a WebApp on this test's database, stopped afterwards."""

    @contextmanager
    def start(**env: str) -> Iterator[Component]:
        port = ports.pick()
        process = Component(
            "webapp",
            "webapp",
            port,
            {
                "WABIZ_DEV_MODE": "true",
                "WABIZ_DATABASE_URL": database_url,
                "WABIZ_INTERNAL_TOKEN": INTERNAL_TOKEN,
                "WABIZ_MEDIA_BACKEND": "fs",
                "WABIZ_MEDIA_DIR": str(tmp_path / "media"),
                "WABIZ_PORT": str(port),
                "WABIZ_LOG_LEVEL": "WARNING",
            }
            | {f"WABIZ_{name}": value for name, value in env.items()},
            tmp_path / f"webapp-{port}.log",
        )
        process.start()
        try:
            process.wait_listening()
            yield process
        finally:
            process.stop()

    return start


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedStack]:
    with shared_stack(tmp_path_factory.mktemp("network"), env=PRODUCTION_ENV) as started:
        yield started
