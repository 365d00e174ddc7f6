"""Group concurrent calls into one batch: many callers, one database round trip or one request.

At hundreds of messages a second a transaction (or an internal call) per message would spend the
CPU on commits and HTTP; callers instead `await batcher.submit(item)` and one flush carries what
piled up while earlier flushes were running. Every caller gets its own result, or the batch's
exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class InFlightBatcher(Generic[T, R]):
    """Group calls only while earlier ones are in flight: no timer, so no added latency.

    With a free slot (fewer than `slots` flushes running) an item goes out at once, alone; while
    every slot is busy, items wait and the next free slot takes all of them (up to `max_items`
    or `max_weight`, the sum of the items' weights, e.g. bytes). Under light load every call is
    immediate; under heavy load batches grow by themselves to what the other side keeps up with.
    Every caller gets its own result, or the batch's exception.

    `linger` is for work nobody waits on (records of what already happened): a free slot waits
    that long for company before it flushes, so a node with a trickle of work still writes a few
    batches a second rather than one transaction per item.
    """

    def __init__(
        self,
        flush: Callable[[list[T]], Awaitable[Sequence[R]]],
        slots: int = 2,
        max_items: int = 200,
        max_weight: int = 1 << 20,
        weight: Callable[[T], int] = lambda _: 1,
        linger: float = 0.0,
    ) -> None:
        self._flush, self._slots, self._linger = flush, slots, linger
        self._lingering = False
        self._max_items, self._max_weight, self._weight = max_items, max_weight, weight
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._running: set[asyncio.Task[None]] = set()

    def idle(self) -> bool:
        return not self._waiting and not self._running

    async def drain(self) -> None:
        """Return once everything submitted so far has been flushed (or failed)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def submit(self, item: T) -> R:
        return await self.post(item)

    def post(self, item: T) -> asyncio.Future[R]:
        """Queue `item` now, without waiting: its future holds the result. Items posted one after
        the other are flushed in that order (with one slot, their batches too)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._dispatch()
        return future

    def _take(self) -> list[tuple[T, asyncio.Future[R]]]:
        """The next batch: at least one item, then as many as fit the bounds."""
        taken, weight = 0, 0
        for item, _ in self._waiting:
            weight += self._weight(item)
            if taken and (taken >= self._max_items or weight > self._max_weight):
                break
            taken += 1
        batch, self._waiting = self._waiting[:taken], self._waiting[taken:]
        return batch

    def _dispatch(self) -> None:
        while self._waiting and len(self._running) < self._slots and not self._lingering:
            if self._linger:
                self._lingering = True  # this slot takes the batch after the linger
                task = asyncio.create_task(self._run(None))
            else:
                task = asyncio.create_task(self._run(self._take()))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._dispatch()

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]] | None) -> None:
        if batch is None:
            await asyncio.sleep(self._linger)
            self._lingering = False
            batch = self._take()
        try:
            results = await self._flush([item for item, _ in batch])
            if len(results) != len(batch):  # checked first: a caller left waiting would hang forever
                raise RuntimeError(f"batch flush answered {len(results)} results for {len(batch)} items")
        except Exception as exc:  # every caller of this batch sees the failure
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
