"""The two collections: media unused for 30 days (rows and stored objects), and old messages.

A PUT starts the collection in the background of this WebApp and answers `processing`; the end is
reported by a callback queued in the `callbacks` table (shard 0, which some CoreApp always holds),
so it reaches the business's webhook like every other callback, retried until it answers 200.

Work goes in batches, one transaction each. Candidates are locked with SKIP LOCKED, so collections
running at once (a second PUT on another replica) share the rows instead of deleting one twice; on
one replica a PUT while the same collection runs joins it (that run reports). Media objects are
deleted inside the transaction that deletes their rows: if the store fails, the rows stay, and the
next collection deletes the objects again (deleting a missing object succeeds).

Which messages go: those in a final status (`db.messages.FINAL_STATUSES`) unchanged for 30 days.
Queued or merely sent messages stay, whatever their age: they are still the outgoing queue or may
still get a status.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from wabiz.db import callbacks, media, messages
from wabiz.webapp.gc.reports import Kind, completed, failed
from wabiz.webapp.state import AppState

log = logging.getLogger(__name__)
MEDIA_UNUSED_FOR = timedelta(days=30)  # the contract's figure; a use by a message resets it
MESSAGES_KEPT_FOR = timedelta(days=30)
MEDIA_BATCH, MESSAGE_BATCH = 100, 1000
REPORT_SHARD = 0


async def _media_batches(state: AppState) -> AsyncIterator[int]:
    while True:
        async with state.sessions.begin() as session:
            unused = await media.lock_unused(session, MEDIA_UNUSED_FOR, MEDIA_BATCH)
            if not unused:
                return
            for media_id in unused:
                await state.store.delete(media_id)
            deleted = await media.delete_many(session, unused)
        yield deleted


async def _message_batches(state: AppState) -> AsyncIterator[int]:
    while True:
        async with state.sessions.begin() as session:
            deleted = await messages.purge_final(session, MESSAGES_KEPT_FOR, MESSAGE_BATCH)
        if not deleted:
            return
        yield deleted


BATCHES: dict[Kind, Callable[[AppState], AsyncIterator[int]]] = {
    "media": _media_batches,
    "message": _message_batches,
}


async def collect(state: AppState, kind: Kind) -> None:
    """Run one collection to its end and queue the callback saying how it went."""
    deleted = 0
    try:
        async for batch in BATCHES[kind](state):
            deleted += batch
        report = completed(kind, deleted)
        log.info("%s garbage collection deleted %d", kind, deleted)
    except Exception as exc:  # reported to the webhook, as the original did; the next PUT resumes
        log.exception("%s garbage collection failed after deleting %d", kind, deleted)
        report = failed(kind, deleted, f"{kind} garbage collection stopped: {type(exc).__name__}")
    async with state.sessions.begin() as session:
        await callbacks.enqueue(session, [(REPORT_SHARD, report)])


def start(state: AppState, kind: Kind) -> None:
    """Start the collection unless this WebApp runs it already (that run will report)."""
    name = f"gc:{kind}"
    if any(task.get_name() == name for task in state.background.tasks):
        return
    state.background.spawn(collect(state, kind), name)
