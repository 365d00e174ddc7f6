"""The WebApp's half of the send path: store each send, then hand it to its shard's owner.

Sends that arrive while an insert is in flight are stored together, in one `INSERT … unnest` for
every shard, one batch at a time so rows are queued in the order they were accepted
(`kit.batching.InFlightBatcher`); the client's 201 waits for that and nothing else. Each owner is
then told in the background, in one `POST /internal/queued-messages` per batch (those posted
while a call to that owner is in flight or lingering go together), and sends them at once.

A hand-off that does not arrive (the owner is restarting or lost the shard, a CoreApp of the
previous release has no such call) costs time, not the message: an owner's sweep queues every
stored row of its shards older than a second (`coreapp/outbox.py`), within about five seconds.

Why the WebApp stores: with eight shards each CoreApp took a few sends per call, and every call
cost both sides an HTTP request and the CoreApp its own INSERT; stored here, eight shards cost the
database what one does (bench/README, "Levers").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.db import messages
from wabiz.db.messages import Outgoing
from wabiz.kit.batching import InFlightBatcher
from wabiz.kit.throttle import Throttle

log = logging.getLogger(__name__)
INSERT_BATCH = 500
HAND_OFF_BATCH = 500  # the CoreApp takes up to 1,000 per call
# Nobody waits for a hand-off: a short linger turns a trickle per owner into a few calls a second.
HAND_OFF_LINGER_S = 0.01
MAX_OWNERS = 64  # CoreApps come and go with new addresses: idle hand-off queues are dropped beyond


def hand_off_body(batch: list[Outgoing]) -> bytes:
    return orjson.dumps(
        {"messages": [{"id": m.id, "wa_id": m.wa_id, "shard": m.shard, "body": m.body} for m in batch]}
    )


class SendQueue:
    def __init__(
        self,
        statements: async_sessionmaker[AsyncSession],
        hand_off: Callable[[str, bytes], Awaitable[object]],
    ) -> None:
        self._statements, self._hand_off = statements, hand_off  # autocommit: one statement each
        self._inserts: InFlightBatcher[Outgoing, None] = InFlightBatcher(
            self._insert, slots=1, max_items=INSERT_BATCH
        )
        self._owners: dict[str, InFlightBatcher[Outgoing, None]] = {}
        self._throttle = Throttle(log)

    async def store(self, message: Outgoing, owner: str) -> None:
        """Store the message (durable when this returns), then hand it to `owner` in the background."""
        await self._inserts.submit(message)
        self._owner(owner).post(message)

    async def drain(self) -> None:
        """Finish the hand-offs already posted (each call is bounded by the HTTP timeout)."""
        await asyncio.gather(*(owner.drain() for owner in self._owners.values()))

    def _owner(self, owner: str) -> InFlightBatcher[Outgoing, None]:
        queue = self._owners.get(owner)
        if queue is None:
            if len(self._owners) >= MAX_OWNERS:
                self._owners = {url: q for url, q in self._owners.items() if not q.idle()}
            queue = self._owners[owner] = InFlightBatcher(
                lambda batch: self._hand_off_batch(owner, batch),
                slots=1,
                max_items=HAND_OFF_BATCH,
                linger=HAND_OFF_LINGER_S,
            )
        return queue

    async def _insert(self, batch: list[Outgoing]) -> list[None]:
        async with self._statements.begin() as session:
            await messages.queue_outgoing(session, batch)
        return [None] * len(batch)

    async def _hand_off_batch(self, owner: str, batch: list[Outgoing]) -> list[None]:
        """Never fails: the messages are stored, and the owner's sweep finds what it was not told."""
        try:
            await self._hand_off(owner, hand_off_body(batch))
        except Exception as exc:
            self._throttle.warning(
                owner,
                "could not hand %d stored sends to CoreApp %s (%s); its sweep sends them within seconds",
                len(batch),
                owner,
                exc,
            )
        return [None] * len(batch)
