"""`Outbox.take`: which stored sends a node queues when the WebApp hands them over.

The sender is held (the network never answers), so what is asserted is only what was queued.
"""

from __future__ import annotations

import asyncio
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp.outbox import Outbox
from wabiz.db.messages import Outgoing
from wabiz.gateway.base import UpstreamError


def message(n: int, shard: int) -> Outgoing:
    return Outgoing(f"gB{n}", f"1631555{n:04d}", shard, {"type": "text", "text": {"body": str(n)}})


async def test_a_node_takes_its_own_shards_up_to_its_bound_and_each_message_once() -> None:
    sending: list[str] = []
    never = asyncio.Event()

    async def send(outgoing: Outgoing) -> str:
        sending.append(outgoing.id)
        await never.wait()
        return "unreachable"

    async def failed(_outgoing: Outgoing, _error: UpstreamError) -> None:
        raise AssertionError("nothing fails here")

    no_database = cast(async_sessionmaker[AsyncSession], None)  # nothing is recorded: no send ends
    outbox = Outbox(no_database, send, failed, lambda shard: shard == 0, concurrency=8, max_depth=2)
    handed = [message(1, 0), message(2, 1), message(3, 0), message(4, 0)]
    assert outbox.take(handed) == 2, "shard 1 is another node's; the third of shard 0 is over the bound"
    assert outbox.take([message(1, 0)]) == 0, "already queued"
    await asyncio.sleep(0)
    assert sorted(sending) == ["gB1", "gB3"]
    assert outbox.depth == 2
    await outbox.stop()
