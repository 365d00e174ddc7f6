"""The CoreApp's in-memory callback queue and the delivery loop's life (the database queue:
tests/db/test_coreapp_callbacks.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp.callbacks import DatabaseQueue, Deliverer, MemoryQueue
from wabiz.coreapp.webhook_client import WebhookClient
from wabiz.kit.appsettings import validate
from wabiz.kit.errors import Overloaded
from wabiz.kit.webhook_guard import TargetPolicy

Sessions = async_sessionmaker[AsyncSession]


def status(message_id: str) -> dict[str, Any]:
    return {"statuses": [{"id": message_id, "status": "delivered", "recipient_id": "1631", "timestamp": "1"}]}


def test_memory_queue_is_bounded() -> None:
    memory = MemoryQueue(bound=2)
    memory.add([(0, status("a"))])
    with pytest.raises(Overloaded):
        memory.add([(0, status("b")), (0, status("c"))])
    assert len(memory.items) == 1, "all or nothing"


def idle_deliverer() -> tuple[Deliverer, WebhookClient]:
    """A delivery loop with nothing to deliver: this node holds no shard and no memory callback,
    so neither the database nor the settings are ever asked."""
    client = WebhookClient(TargetPolicy(), None)
    current = validate({"webhooks": {"url": "https://hooks.example.com/"}})

    async def no_sync(_versions: Mapping[str, int] | None) -> None:
        """Nothing is due, so the settings are never synced."""

    no_database = DatabaseQueue(cast(Sessions, None))
    return Deliverer(no_database, MemoryQueue(), lambda: current, no_sync, set, client), client


async def test_the_delivery_loop_stops_when_cancelled_as_it_is_woken() -> None:
    """A delivery that ends as the node shuts down wakes the loop in the same turn as the cancel;
    the loop must still end (asyncio.wait_for on 3.11 swallowed that cancel and it spun forever)."""
    worker, client = idle_deliverer()
    loop = asyncio.create_task(worker.run(poll_interval=60, stop=asyncio.Event()))
    await asyncio.sleep(0.01)  # the loop is waiting for work
    worker.wake.set()
    loop.cancel()
    done, _ = await asyncio.wait({loop}, timeout=5)
    await client.close()
    assert done and loop.cancelled(), "the loop ended with the cancel"


async def test_the_delivery_loop_ends_after_a_stop_without_waiting_for_its_poll() -> None:
    worker, client = idle_deliverer()
    stop = asyncio.Event()
    loop = asyncio.create_task(worker.run(poll_interval=60, stop=stop))
    await asyncio.sleep(0.01)  # the loop is waiting for work, for up to a minute
    stop.set()
    worker.wake.set()
    done, _ = await asyncio.wait({loop}, timeout=5)
    await client.close()
    assert done and loop.exception() is None, "the loop ended by itself, not cancelled"
