"""The outgoing queue: send stored messages upstream, in order per recipient.

Rows with `status = 'queued'` are the durable queue. The WebApp stores a send and hands it to the
owner of its shard (`take`); a WebApp of the previous release asks the owner to store it instead
(`accept`, kept for rolling upgrades). Either way the message goes to the in-memory sender at
once, and a periodic sweep picks up queued rows this process does not know about (left by a node
that died, by this node before a restart, or stored while a hand-off did not arrive). Upstream
delivery is at-least-once: a crash after the upstream accepted a message but before we recorded it
sends it again, and the network sees the same `biz_opaque_callback_data` twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.db import messages
from wabiz.db.messages import Outgoing
from wabiz.gateway.base import UpstreamError
from wabiz.kit.batching import InFlightBatcher
from wabiz.kit.throttle import Throttle

log = logging.getLogger(__name__)
RETRY_DELAYS_S = (0.2, 0.5, 1, 2, 5, 10)
SWEEP_BATCH = 5000
# Nobody waits for the record that the network took a message: a node sending a trickle writes
# it a few times a second rather than once per message.
ACCEPTED_LINGER_S = 0.05
# Ids of messages this node recently finished (sent and recorded, or failed): a hand-off that
# arrives after the sweep already sent the message (the WebApp's call was slow) is ignored.
RECENTLY_FINISHED = 20_000


def retry_delay_s(attempt: int) -> float:
    """Pause before the next upstream attempt: quick at first, then every 10 s until it passes."""
    return RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S) - 1)]


class Outbox:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        send: Callable[[Outgoing], Awaitable[str]],
        on_failed: Callable[[Outgoing, UpstreamError], Awaitable[None]],
        owns: Callable[[int], bool],
        concurrency: int,
        max_depth: int,
    ) -> None:
        # Every database call here is one statement: the node passes autocommit sessions.
        self._sessions, self._send, self._on_failed, self._owns = sessions, send, on_failed, owns
        self._max_depth = max_depth
        # Batches form while the previous one is in the database: no timer delays a lone send, and
        # under load one statement carries what arrived meanwhile. One at a time, so messages are
        # queued for sending in the order they were accepted (two concurrent inserts could finish
        # the other way round).
        self._inserts: InFlightBatcher[Outgoing, None] = InFlightBatcher(
            self._insert_batch, slots=1, max_items=500
        )
        self._accepted: InFlightBatcher[tuple[str, str], None] = InFlightBatcher(
            self._accepted_batch, slots=1, max_items=2000, linger=ACCEPTED_LINGER_S
        )
        self._lanes: dict[str, deque[Outgoing]] = {}
        self._known: set[str] = set()
        self._recent: dict[str, None] = {}  # insertion-ordered: the oldest is dropped first
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._throttle = Throttle(log)
        self.sent = 0

    @property
    def depth(self) -> int:
        return len(self._known)

    async def accept(self, message: Outgoing) -> None:
        """Store the message durably, then queue it for sending; returns once it is stored."""
        await self._inserts.submit(message)
        self._enqueue(message)

    def take(self, stored: list[Outgoing]) -> int:
        """Queue messages the WebApp stored, for the shards this node holds, while the in-memory
        queue is under its bound (the sweep takes the rest later); how many were taken."""
        taken = 0
        for message in stored:
            if self._owns(message.shard) and len(self._known) < self._max_depth:
                taken += self._enqueue(message)
        return taken

    async def _insert_batch(self, batch: list[Outgoing]) -> list[None]:
        async with self._sessions.begin() as session:
            await messages.queue_outgoing(session, batch)
        return [None] * len(batch)

    async def _accepted_batch(self, batch: list[tuple[str, str]]) -> list[None]:
        async with self._sessions.begin() as session:
            await messages.record_accepted(session, batch)
        return [None] * len(batch)

    def _enqueue(self, message: Outgoing) -> bool:
        """Queue a message for sending unless it is queued or was sent already; whether it was."""
        if message.id in self._known or message.id in self._recent:
            return False
        self._known.add(message.id)
        lane = self._lanes.get(message.wa_id)
        if lane is not None:
            lane.append(message)
            return True
        self._lanes[message.wa_id] = deque([message])
        task = asyncio.create_task(self._drain(message.wa_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def _finished(self, message_id: str) -> None:
        self._recent[message_id] = None
        if len(self._recent) > RECENTLY_FINISHED:
            del self._recent[next(iter(self._recent))]

    async def _drain(self, wa_id: str) -> None:
        """One recipient's messages, strictly one after another (order per recipient)."""
        lane = self._lanes[wa_id]
        try:
            while lane:
                message = lane[0]
                recording = False
                if self._owns(message.shard):
                    async with self._slots:
                        recording = await self._deliver(message)
                lane.popleft()
                if not recording:
                    self._known.discard(message.id)
        except Exception:  # recording the outcome failed (database down): the rows stay queued
            log.exception("sending to one recipient stopped; the sweep resumes its queued messages")
        finally:
            self._lanes.pop(wa_id, None)
            self._known.difference_update(m.id for m in lane)

    async def _deliver(self, message: Outgoing) -> bool:
        """Send until the network takes or refuses the message; True when it took it and the
        acceptance is being recorded (the message stays known until then)."""
        attempt = 0
        while True:
            if not self._owns(message.shard):
                return False  # the new owner's sweep resumes it from the database
            try:
                upstream_id = await self._send(message)
            except UpstreamError as exc:
                if not exc.retryable:
                    await self._on_failed(message, exc)
                    self._finished(message.id)
                    return False
                problem = str(exc)
            except Exception as exc:  # media store or database hiccup: the row stays queued, retry
                problem = f"{type(exc).__name__}: {exc}"
            else:
                self._record_accepted(message.id, upstream_id)
                self.sent += 1
                return True
            delay = retry_delay_s(attempt)
            attempt += 1
            self._throttle.warning(
                "send", "upstream send of %s failed (%s); retrying in %ss", message.id, problem, delay
            )
            await asyncio.sleep(delay)

    def _record_accepted(self, message_id: str, upstream_id: str) -> None:
        """Record in the background: the recipient's next message need not wait for it (order is
        the network's business once it took this one). Until it is recorded the row still says
        `queued`, so the message stays known and the sweep leaves it alone; a failed record leaves
        it queued for good, and the sweep sends it again (at-least-once, as after a crash)."""

        def recorded(done: asyncio.Future[None]) -> None:
            self._known.discard(message_id)
            if done.cancelled() or done.exception() is None:
                self._finished(message_id)
            else:
                self._throttle.warning(
                    "record", "could not record that the network took %s: %r", message_id, done.exception()
                )

        asyncio.ensure_future(self._accepted.submit((message_id, upstream_id))).add_done_callback(recorded)

    async def sweep(self, shards: set[int]) -> int:
        """Queue rows of our shards we do not know about (oldest first); returns how many."""
        if not shards:
            return 0
        async with self._sessions() as session:
            found = await messages.queued(session, shards, SWEEP_BATCH)
        room = max(0, self._max_depth - len(self._known))
        resumed = sum(self._enqueue(message) for message in found[:room])
        if resumed:
            log.info("resumed %d queued messages from the database", resumed)
        return resumed

    async def stop(self) -> None:
        await self._inserts.drain()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._accepted.drain()
