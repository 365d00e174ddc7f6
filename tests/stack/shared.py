"""A stack shared by many tests, and the state each of them starts from.

Starting the processes takes seconds, so one stack serves a session (or a module). What a test
changes through it is put back before the next test starts: every process running, the settings,
the shard count, no user but the admin, the sandbox's behaviour, the receiver's failure plan, an
empty callback queue and an empty receiver log. So a test passes alone, in any order and after one
that failed half-way. What a test creates under its own names (messages to `new_user()`, media)
stays: no other test reads it.

The fixtures `fresh`, `stack`, `api`, `receiver` and `sandbox` are those of every tier that uses a
shared stack; each tier (or module) provides `shared`, the stack it shares.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.stack.helpers import ADMIN_PASSWORD, Receiver, Sandbox, login
from tests.tooling.waiting import eventually
from wabiz.local.stack import BUSINESS_CC, BUSINESS_NUMBER, Stack, StackOptions

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
SETTINGS = "/v1/settings/application"

# Every stack started by a test, for the failure report's log tails (tests/stack/conftest.py).
running_stacks: list[Stack] = []


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
    running_stacks.append(running)
    return running


def stop_stack(running: Stack) -> None:
    running_stacks.remove(running)
    running.stop()


def wait_settings_applied(stack: Stack) -> None:
    """CoreApps poll the settings version; wait until every one runs with the latest."""
    with psycopg.connect(stack.postgres.dsn()) as conn:
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


def pending_callbacks(stack: Stack) -> int:
    with psycopg.connect(stack.postgres.dsn()) as conn:
        row = conn.execute("SELECT count(*) FROM callbacks").fetchone()
    return int(row[0]) if row else 0


class SharedStack:
    """A started stack with its admin, receiver and sandbox clients, and the state tests start from."""

    def __init__(self, stack: Stack, sandbox: dict[str, Any] | None = None) -> None:
        self.stack = stack
        webapp = stack.components["webapp"].url
        self.token = login(webapp, "admin", "secret", new_password=ADMIN_PASSWORD)
        self.api = httpx.Client(
            base_url=webapp, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )
        self.receiver = Receiver(stack.components["webhook_receiver"].url)
        self.sandbox = Sandbox.of(stack)
        answer = self.api.patch(SETTINGS, json=TEST_SETTINGS)
        assert answer.status_code == 200, answer.text
        wait_settings_applied(stack)
        if sandbox:
            self.sandbox.patch("/control/config", json=sandbox).raise_for_status()
        self.settings, self.shards, self.behaviour = self._settings(), self._shards(), self._behaviour()

    def close(self) -> None:
        for client in (self.api, self.receiver, self.sandbox):
            client.close()

    def restore(self) -> None:
        """Put back what earlier tests changed (see the module's docstring)."""
        for name, component in self.stack.components.items():
            if not component.alive():
                self.stack.restart(name)
        if self._settings() != self.settings:
            answer = self.api.patch(SETTINGS, json=self.settings)
            assert answer.status_code == 200, answer.text
            wait_settings_applied(self.stack)
        if self._shards() != self.shards:
            body = {"cc": BUSINESS_CC, "phone_number": BUSINESS_NUMBER, "shards": self.shards}
            assert self.api.post("/v1/account/shards", json=body).status_code == 201
        for username in self._users():
            assert self.api.delete(f"/v1/users/{username}").status_code == 200
        if self._behaviour() != self.behaviour:
            self.sandbox.patch("/control/config", json=self.behaviour).raise_for_status()
        self.receiver.fail_next(0)
        eventually(
            lambda: pending_callbacks(self.stack) == 0, timeout=60, what="the callbacks of earlier tests"
        )
        self.receiver.clear()

    def _settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = self.api.get(SETTINGS).json()["settings"]["application"]
        return settings

    def _shards(self) -> int:
        shards: int = self.api.get("/v1/account/shards").json()["account"]["shards"]
        return shards

    def _behaviour(self) -> dict[str, Any]:
        behaviour: dict[str, Any] = self.sandbox.get("/control/config").json()
        return behaviour

    def _users(self) -> list[str]:
        with psycopg.connect(self.stack.postgres.dsn()) as conn:
            rows = conn.execute("SELECT username FROM users WHERE username <> 'admin'").fetchall()
        return [row[0] for row in rows]


@contextmanager
def shared_stack(
    data_dir: Path, sandbox: dict[str, Any] | None = None, **options: Any
) -> Iterator[SharedStack]:
    """`start_stack(data_dir, **options)` shared by tests; `sandbox` changes the sandbox's behaviour first."""
    running = start_stack(data_dir, **options)
    try:
        shared = SharedStack(running, sandbox)
        try:
            yield shared
        finally:
            shared.close()
    finally:
        stop_stack(running)


@pytest.fixture
def fresh(shared: SharedStack) -> SharedStack:
    """The tier's shared stack, as the first test found it."""
    shared.restore()
    return shared


@pytest.fixture
def stack(fresh: SharedStack) -> Stack:
    return fresh.stack


@pytest.fixture
def api(fresh: SharedStack) -> httpx.Client:
    """The admin's client of the stack's WebApp, with TEST_SETTINGS applied."""
    return fresh.api


@pytest.fixture
def receiver(fresh: SharedStack) -> Receiver:
    return fresh.receiver


@pytest.fixture
def sandbox(fresh: SharedStack) -> Sandbox:
    return fresh.sandbox
