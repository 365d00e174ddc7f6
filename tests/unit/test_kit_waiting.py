"""Waiting on an event with a time limit."""

from __future__ import annotations

import asyncio

from wabiz.kit.waiting import set_within


async def test_an_event_never_set_times_out_as_not_set() -> None:
    assert await set_within(asyncio.Event(), 0.01) is False


async def test_an_event_set_meanwhile_ends_the_wait_early() -> None:
    event = asyncio.Event()
    asyncio.get_running_loop().call_later(0.01, event.set)
    assert await asyncio.wait_for(set_within(event, 60), 5) is True
