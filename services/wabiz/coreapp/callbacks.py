"""The callback queue: On-Premises callbacks for the business's webhook, queued and delivered.

`Callbacks.add` queues them in the transaction of the event they report; rows of `callbacks` are
the queue (or, with `callback_persist` off, a list in memory: `MemoryQueue`). The owner
of a shard posts its due callbacks with at most `webhooks.max_concurrent_requests` in flight; a
200 deletes them, anything else schedules the next attempt `attempts × step` later (capped). Small
status callbacks due together are merged into one POST so delivery keeps up with 1,000 msg/s; a
failed POST retries every callback it carried, so merging never loses one. The POST itself, and
where it may go, is the `WebhookClient`'s.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp.webhook_client import WebhookClient
from wabiz.db import callbacks
from wabiz.kit.appsettings import ApplicationSettings
from wabiz.kit.batching import InFlightBatcher
from wabiz.kit.errors import Overloaded
from wabiz.kit.throttle import Throttle
from wabiz.kit.waiting import set_within

log = logging.getLogger(__name__)
MAX_MERGED_STATUSES = 50
DUE_BATCH = 500
DELETE_LINGER_S = 0.05


def retry_delay_ms(attempts: int, step_ms: int, cap_ms: int) -> int:
    """Linear backoff: the n-th retry waits n × step, never more than the cap."""
    return min(max(1, attempts) * step_ms, cap_ms)


@dataclass
class Pending:
    id: int
    shard: int
    payload: dict[str, Any]
    attempts: int = 0
    next_at: float = 0.0


def merge(items: Sequence[Pending]) -> list[list[Pending]]:
    """Group pure-status callbacks (up to MAX_MERGED_STATUSES statuses) into one POST each."""
    groups: list[list[Pending]] = []
    run: list[Pending] = []
    run_size = 0
    for item in items:
        statuses = item.payload.get("statuses")
        if set(item.payload) != {"statuses"} or not isinstance(statuses, list):
            groups.append([item])
            continue
        if run and run_size + len(statuses) > MAX_MERGED_STATUSES:
            groups.append(run)
            run, run_size = [], 0
        run.append(item)
        run_size += len(statuses)
    if run:
        groups.append(run)
    return groups


def body_of(group: Sequence[Pending]) -> dict[str, Any]:
    if len(group) == 1:
        return group[0].payload
    return {"statuses": [status for item in group for status in item.payload["statuses"]]}


class DatabaseQueue:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Sequence[str] = ()) -> None:
        self._sessions = sessions  # one statement per call: the node passes autocommit sessions
        # The settings documents whose versions each read of due callbacks brings back with them.
        self._settings = tuple(settings)
        self.settings_versions: dict[str, int] | None = None
        # Delivered rows are deleted together, a few times a second: the callbacks stay "in
        # flight" meanwhile, so no round posts them again, and a node posting a trickle of
        # callbacks does not commit once per POST.
        self._deliveries: InFlightBatcher[list[int], None] = InFlightBatcher(
            self._delete, slots=1, linger=DELETE_LINGER_S
        )

    async def due(self, shards: set[int], exclude: set[int], limit: int) -> list[Pending]:
        """Due callbacks; `settings_versions` then holds the settings' versions of the same read."""
        self.settings_versions = None
        if not shards:
            return []
        async with self._sessions() as session:
            due, self.settings_versions = await callbacks.due_and_versions(
                session, shards, exclude, limit, self._settings
            )
        return [Pending(c.id, c.shard, c.payload, c.attempts) for c in due]

    async def done(self, items: Sequence[Pending]) -> None:
        await self._deliveries.submit([i.id for i in items])

    async def drain(self) -> None:
        await self._deliveries.drain()

    async def _delete(self, deliveries: list[list[int]]) -> list[None]:
        async with self._sessions.begin() as session:
            await callbacks.delete(session, [i for ids in deliveries for i in ids])
        return [None] * len(deliveries)

    async def retry(self, items: Sequence[Pending], delay_ms: int, error: str) -> None:
        async with self._sessions.begin() as session:
            await callbacks.postpone(session, [i.id for i in items], delay_ms / 1000, error)


class MemoryQueue:
    """`callback_persist = false`: same rules, no database; lost if the node dies (by design).

    The node that received the event delivers it, whatever the shard and whether it holds any:
    no other node can see it. Bounded, so a long webhook outage cannot eat the node's memory;
    over the bound the upstream webhook is refused with 1016 and the network retries it later.
    """

    def __init__(self, bound: int = 100_000) -> None:
        self.items: dict[int, Pending] = {}
        self._ids, self._bound = 0, bound

    def add(self, items: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """All or none of `items` (shard, payload), so a refused event is not half queued."""
        if len(self.items) + len(items) > self._bound:
            raise Overloaded(f"more than {self._bound} callbacks wait in memory for the webhook")
        for shard, payload in items:
            self._ids += 1
            self.items[self._ids] = Pending(self._ids, shard, payload)

    async def due(self, shards: set[int], exclude: set[int], limit: int) -> list[Pending]:
        now = time.monotonic()
        due = (i for i in self.items.values() if i.next_at <= now and i.id not in exclude)
        return list(itertools.islice(due, limit))

    async def done(self, items: Sequence[Pending]) -> None:
        for item in items:
            self.items.pop(item.id, None)

    async def retry(self, items: Sequence[Pending], delay_ms: int, error: str) -> None:
        for item in items:
            item.attempts += 1
            item.next_at = time.monotonic() + delay_ms / 1000


class Callbacks:
    """Where callbacks go: the durable table (same transaction as the event) or memory."""

    def __init__(
        self, settings: Callable[[], ApplicationSettings], memory: MemoryQueue, wake: Callable[[], None]
    ):
        self._settings, self._memory, self._wake = settings, memory, wake

    async def add(self, session: AsyncSession, items: list[tuple[int, dict[str, Any]]]) -> None:
        if not items:
            return
        if self._settings().callback_persist:
            await callbacks.enqueue(session, items)
        else:
            self._memory.add(items)
        self._wake()


class Deliverer:
    def __init__(
        self,
        database: DatabaseQueue,
        memory: MemoryQueue,
        settings: Callable[[], ApplicationSettings],
        sync_settings: Callable[[Mapping[str, int] | None], Awaitable[object]],
        shards: Callable[[], set[int]],
        client: WebhookClient,
    ) -> None:
        self.database, self.memory = database, memory
        self._settings, self._sync_settings = settings, sync_settings
        self._shards, self._client = shards, client
        self._in_flight: set[int] = set()
        self._memory_in_flight: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.wake = asyncio.Event()
        self._throttle = Throttle(log)
        self.delivered = 0
        self.failures = 0

    async def run(self, poll_interval: float, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; a round in progress finishes first. Whoever sets `stop`
        sets `wake` too, so a loop waiting for work sees it at once."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # the loop must survive a database blip; the rows are still there
                log.exception("callback delivery round failed; retrying")
            await set_within(self.wake, poll_interval)
            self.wake.clear()

    async def tick(self) -> None:
        shards = self._shards()
        limit = self._settings().webhooks.max_concurrent_requests
        batches = []
        for queue, in_flight in ((self.database, self._in_flight), (self.memory, self._memory_in_flight)):
            free = limit - len(self._tasks)
            if free <= 0:
                break
            # No more than the free slots can carry: under a backlog every finished POST wakes the
            # loop, and fetching (and decoding) 500 rows to start one POST was most of its cost.
            batches.append(
                (
                    queue,
                    in_flight,
                    await queue.due(shards, in_flight, min(DUE_BATCH, free * MAX_MERGED_STATUSES)),
                )
            )
        if not any(items for _, _, items in batches):
            return
        # A callback queued after a settings change committed goes out under that change
        # (read-your-writes), whatever this node last polled: the read of due rows brought the
        # settings' versions of its snapshot, and only a newer one costs a read of the settings.
        # Callbacks in memory come with no versions: the settings are read for them.
        from_memory = any(items for queue, _, items in batches if queue is self.memory)
        await self._sync_settings(None if from_memory else self.database.settings_versions)
        settings = self._settings()
        if not settings.webhooks.url:
            return
        for queue, in_flight, items in batches:
            for group in merge(items)[: limit - len(self._tasks)]:
                in_flight.update(i.id for i in group)
                task = asyncio.create_task(self._deliver(queue, in_flight, group, settings))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _deliver(
        self,
        queue: DatabaseQueue | MemoryQueue,
        in_flight: set[int],
        group: list[Pending],
        settings: ApplicationSettings,
    ) -> None:
        url = str(settings.webhooks.url)
        try:
            error = await self._client.post(url, orjson.dumps(body_of(group)))
            if error is None:
                await queue.done(group)
                self.delivered += len(group)
            else:
                self.failures += 1
                attempts = max(i.attempts for i in group) + 1
                delay = retry_delay_ms(
                    attempts, settings.callback_backoff_delay_ms, settings.max_callback_backoff_delay_ms
                )
                host = urlsplit(url).hostname or "?"
                self._throttle.warning(
                    host,
                    "webhook delivery to %s failed (%s); attempt %d, next in %d ms",
                    host,
                    error,
                    attempts,
                    delay,
                )
                await queue.retry(group, delay, error)
                asyncio.get_running_loop().call_later(delay / 1000, self.wake.set)
        finally:
            in_flight.difference_update(i.id for i in group)
            self.wake.set()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.database.drain()  # deliveries already made are deleted, not posted again
