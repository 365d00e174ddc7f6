"""The CoreApp's periodic chores: a stop lets the round in progress finish, then no round starts."""

from __future__ import annotations

import asyncio

from wabiz.coreapp.node import every


async def test_a_stop_lets_the_round_in_progress_finish_and_starts_no_other() -> None:
    stop = asyncio.Event()
    rounds: list[str] = []
    started = asyncio.Event()

    async def chore() -> None:
        rounds.append("began")
        started.set()
        await asyncio.sleep(0.05)  # a statement in flight when the node stops
        rounds.append("ended")

    loop = asyncio.create_task(every(lambda: 0.01, chore, stop))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(loop, 5)
    assert rounds == ["began", "ended"]


async def test_a_failed_round_is_retried_next_round() -> None:
    stop = asyncio.Event()
    calls = 0

    async def chore() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database restarting")
        stop.set()

    await asyncio.wait_for(every(lambda: 0.01, chore, stop), 5)
    assert calls == 2
