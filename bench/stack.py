"""A fresh, ready-to-send local stack per shard count, set up as the stack tests do it."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import psycopg

from wabiz.local.stack import Stack, StackOptions

PASSWORD = "Bench-Pass1!"  # noqa: S105 (the throwaway stack's new admin password)

# Sandbox statuses in tens of milliseconds (defaults: 50/100/200 ms) so the delivery lag is ours,
# and no 24-hour window, so no inbound message per recipient is needed first.
SANDBOX_ENV = {
    "WABIZ_SANDBOX_SENT_DELAY": "0.01",
    "WABIZ_SANDBOX_DELIVERED_DELAY": "0.02",
    "WABIZ_SANDBOX_READ_DELAY": "0.03",
    "WABIZ_SANDBOX_ENFORCE_WINDOW": "false",
}

# Every status as a callback (three per message), and retries within seconds, not the
# production backoff, so a refused callback cannot outlast the bounded drain.
SETTINGS = {
    "webhooks": {"message": {"sent": True, "delivered": True, "read": True}},
    "callback_backoff_delay_ms": 500,
    "max_callback_backoff_delay_ms": 5000,
}


def start(shards: int, data_dir: Path, coreapps: int) -> Stack:
    """Start PostgreSQL, sandbox, `coreapps` CoreApps, WebApp and receiver.

    On a failed start the processes already running are stopped before the error propagates.
    """
    stack = Stack(
        StackOptions(
            data_dir=data_dir,
            port=0,
            media="fs",
            shards=shards,
            coreapps=coreapps,
            default_ports=False,
            log_level="WARNING",
            extra_env=SANDBOX_ENV,
        )
    )
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    return stack


def dsn(stack: Stack) -> str:
    """libpq form of the stack's SQLAlchemy URL, for psycopg."""
    return stack.postgres.dsn()


def prepare(stack: Stack) -> str:
    """First admin login (password change), the bench settings; the bearer token once applied."""
    url = stack.components["webapp"].url
    answer = httpx.post(
        f"{url}/v1/users/login", auth=("admin", "secret"), json={"new_password": PASSWORD}, timeout=30
    )
    answer.raise_for_status()
    token: str = answer.json()["users"][0]["token"]
    answer = httpx.patch(
        f"{url}/v1/settings/application",
        json=SETTINGS,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    wait_settings_applied(stack)
    return token


def wait_settings_applied(stack: Stack, timeout: float = 15) -> None:
    """CoreApps poll the settings version; sending earlier would miss the sent/read callbacks."""
    with psycopg.connect(dsn(stack)) as conn:
        row = conn.execute("SELECT version FROM settings WHERE name = 'application'").fetchone()
    latest = row[0] if row else 0
    deadline = time.monotonic() + timeout
    for name in [n for n in stack.components if n.startswith("coreapp-")]:
        while stack.internal_call("/internal/health", node=name).get("settings_version", 0) < latest:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} did not apply settings version {latest} within {timeout}s")
            time.sleep(0.1)


def shard_owner(stack: Stack, shard: int) -> str:
    """The node id (= component name `coreapp-<i>`) holding lease `shard:<n>`."""
    with psycopg.connect(dsn(stack)) as conn:
        row = conn.execute("SELECT holder FROM leases WHERE name = %s", (f"shard:{shard}",)).fetchone()
    if row is None or row[0] not in stack.components:
        raise RuntimeError(f"no running CoreApp holds shard:{shard} (holder: {row and row[0]!r})")
    return str(row[0])
