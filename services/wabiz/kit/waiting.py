"""Waiting on an asyncio event with a time limit."""

from __future__ import annotations

import asyncio
import contextlib


async def set_within(event: asyncio.Event, seconds: float) -> bool:
    """Wait until `event` is set or `seconds` pass; whether it is set.

    asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that arrives as the event is
    set, and a loop waiting this way would never stop (seen when a delivery ended at shutdown).
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()
