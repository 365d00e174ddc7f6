"""The CoreApp's presence connection against the real PostgreSQL: the lock it holds, the callbacks
it hears about, and what happens when PostgreSQL ends it."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import text

from tests.db.helpers import Sessions
from tests.tooling.waiting import eventually_async
from wabiz.coreapp.presence import Presence
from wabiz.db import callbacks


async def test_presence_holds_a_lock_hears_callbacks_and_reports_its_loss(
    sessions: Sessions, database_url: str
) -> None:
    heard: list[int] = []
    lost: list[bool] = []
    presence = Presence(database_url, heard.append, lambda: lost.append(True))
    task = asyncio.create_task(presence.run())
    try:
        await asyncio.wait_for(presence.held.wait(), 10)
        first_key = presence.key
        async with sessions() as session:
            locks = await session.execute(
                text("SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2")
            )
            assert [int(row.objid) for row in locks] == [first_key]

        async with sessions.begin() as session:  # callbacks queued by any node, for shards 3 and 5
            await callbacks.enqueue(session, [(3, {"statuses": []}), (5, {"statuses": []}), (3, {})])
        await eventually_async(lambda: sorted(heard) == [3, 5], what="one notification per shard")
        async with sessions() as session:  # rolled back: nobody hears of it
            await callbacks.enqueue(session, [(7, {})])
            await session.rollback()

        async with sessions.begin() as session:  # PostgreSQL ends the connection (an admin, a restart)
            await session.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted")
            )
        await eventually_async(lambda: lost == [True], what="the loss reported at once")
        await asyncio.wait_for(presence.held.wait(), 10)
        assert presence.key not in (None, first_key), "back with a new lock"
        assert sorted(heard) == [3, 5]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
