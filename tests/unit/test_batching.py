"""`InFlightBatcher`: concurrent callers share one flush; each gets its own result or the batch's
error."""

from __future__ import annotations

import asyncio

import pytest

from wabiz.kit.batching import InFlightBatcher


class Gate:
    """A flush that records its batches and holds each until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()

    async def double(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        await self.release.wait()
        return [i * 2 for i in items]


async def test_with_a_free_slot_an_item_goes_at_once_alone() -> None:
    gate = Gate()
    gate.release.set()
    batcher: InFlightBatcher[int, int] = InFlightBatcher(gate.double, slots=1)
    assert await asyncio.wait_for(batcher.submit(1), 10) == 2
    assert await asyncio.wait_for(batcher.submit(2), 10) == 4
    assert gate.batches == [[1], [2]], "no timer: nothing waits for company"


async def test_items_arriving_while_the_slots_are_busy_go_together_within_bounds() -> None:
    gate = Gate()
    batcher: InFlightBatcher[int, int] = InFlightBatcher(
        gate.double, slots=2, max_items=3, max_weight=100, weight=lambda i: 99 if i == 9 else 1
    )
    calls = [asyncio.create_task(batcher.submit(i)) for i in (1, 2, 3, 4, 5, 6, 9, 7)]
    for _ in range(5):  # the callers submit, the two flushes start
        await asyncio.sleep(0)
    assert gate.batches == [[1], [2]], "two slots: the first two went alone"
    gate.release.set()
    assert await asyncio.gather(*calls) == [2, 4, 6, 8, 10, 12, 18, 14]
    assert gate.batches == [[1], [2], [3, 4, 5], [6, 9], [7]], "by count, then by weight"


async def test_a_failed_batch_fails_its_callers_only_and_frees_its_slot() -> None:
    calls = 0

    async def flaky(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls == 1:
            raise RuntimeError("CoreApp gone")
        return items

    batcher: InFlightBatcher[int, int] = InFlightBatcher(flaky, slots=1)
    results = await asyncio.gather(batcher.submit(1), batcher.submit(2), return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] == 2
    assert await asyncio.wait_for(batcher.submit(3), 10) == 3


async def test_a_flush_answering_the_wrong_count_fails_the_batch() -> None:
    async def short(items: list[int]) -> list[int]:
        return items[:1]

    batcher: InFlightBatcher[int, int] = InFlightBatcher(short, slots=1)
    first = asyncio.create_task(batcher.submit(0))
    with pytest.raises(RuntimeError, match="answered 1 results for 2 items"):
        await asyncio.gather(batcher.submit(1), batcher.submit(2))
    assert await first == 0


async def test_drain_waits_for_everything_submitted() -> None:
    gate = Gate()
    batcher: InFlightBatcher[int, int] = InFlightBatcher(gate.double, slots=1)
    pending = [asyncio.create_task(batcher.submit(i)) for i in range(3)]
    await asyncio.sleep(0)
    draining = asyncio.create_task(batcher.drain())
    await asyncio.sleep(0)
    assert not draining.done()
    gate.release.set()
    await asyncio.wait_for(draining, 10)
    assert all(task.done() for task in pending) and batcher.idle()


async def test_with_a_linger_a_trickle_shares_a_flush() -> None:
    gate = Gate()
    gate.release.set()
    batcher: InFlightBatcher[int, int] = InFlightBatcher(gate.double, slots=1, linger=0.05)

    async def trickle(i: int) -> int:
        await asyncio.sleep(i * 0.005)
        return await batcher.submit(i)

    assert await asyncio.gather(*(trickle(i) for i in range(4))) == [0, 2, 4, 6]
    assert gate.batches == [[0, 1, 2, 3]], "items 5 ms apart waited for each other"


async def test_posted_items_are_queued_at_once_and_flushed_in_the_order_posted() -> None:
    gate = Gate()
    batcher: InFlightBatcher[int, int] = InFlightBatcher(gate.double, slots=1)
    futures = [batcher.post(i) for i in (1, 2, 3)]
    assert gate.batches == [], "posting starts a flush task, it does not run one"
    await asyncio.sleep(0)
    assert gate.batches == [[1]]
    gate.release.set()
    assert await asyncio.gather(*futures) == [2, 4, 6]
    assert gate.batches == [[1], [2, 3]]
