"""The durable callback queue: a row lives until the business's webhook answered 200.

Callbacks are queued in the transaction that records the event they report, so an event is never
stored without its callback, nor the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db.presence import CALLBACKS_CHANNEL


@dataclass(frozen=True)
class QueuedCallback:
    id: int
    shard: int
    payload: dict[str, Any]
    attempts: int


async def enqueue(session: AsyncSession, items: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Queue (shard, payload) pairs and tell the shards' owners, in one statement: a notification
    per shard on `CALLBACKS_CHANNEL`, sent when (and only if) the transaction commits."""
    await session.execute(
        text(
            "WITH queued AS (INSERT INTO callbacks (shard, payload)"
            " SELECT shard, payload"
            " FROM ROWS FROM (unnest(CAST(:shards AS int[])), jsonb_array_elements(CAST(:payloads AS jsonb)))"
            " AS c(shard, payload)"
            " RETURNING shard)"
            " SELECT pg_notify(:channel, CAST(shard AS text)) FROM (SELECT DISTINCT shard FROM queued) AS s"
        ),
        {
            "shards": [i[0] for i in items],
            # One JSON array: psycopg escapes a text[]'s every element in Python (db/messages.py).
            "payloads": orjson.dumps([i[1] for i in items]).decode(),
            "channel": CALLBACKS_CHANNEL,
        },
    )


async def due(session: AsyncSession, shards: set[int], exclude: set[int], limit: int) -> list[QueuedCallback]:
    """Callbacks of these shards whose next attempt is due, oldest first, but those in `exclude`
    (already being posted)."""
    return (await due_and_versions(session, shards, exclude, limit, ()))[0]


async def due_and_versions(
    session: AsyncSession, shards: set[int], exclude: set[int], limit: int, settings: Sequence[str]
) -> tuple[list[QueuedCallback], dict[str, int]]:
    """`due`, and the versions of these settings documents (0: never written) as of the same
    snapshot, in one statement: a node delivering callbacks must apply every settings change
    committed before them, and checking that costs no round trip of its own."""
    rows = await session.execute(
        text(
            "SELECT c.id, c.shard, c.payload, c.attempts, v.versions"
            " FROM (SELECT COALESCE(jsonb_object_agg(name, version), '{}') AS versions"
            " FROM settings WHERE name = ANY(:names)) AS v"
            " LEFT JOIN LATERAL (SELECT id, shard, payload, attempts FROM callbacks"
            " WHERE shard = ANY(:shards) AND next_attempt_at <= now() AND NOT (id = ANY(:exclude))"
            " ORDER BY id LIMIT :limit) AS c ON true ORDER BY c.id"
        ),
        {"names": list(settings), "shards": sorted(shards), "exclude": sorted(exclude), "limit": limit},
    )
    found = rows.all()
    versions = {name: int(found[0].versions.get(name, 0)) for name in settings}
    return [QueuedCallback(r.id, r.shard, r.payload, r.attempts) for r in found if r.id is not None], versions


async def delete(session: AsyncSession, ids: Sequence[int]) -> None:
    await session.execute(text("DELETE FROM callbacks WHERE id = ANY(:ids)"), {"ids": list(ids)})


async def postpone(session: AsyncSession, ids: Sequence[int], delay_s: float, error: str) -> None:
    """Count a failed attempt and schedule the next one `delay_s` from now."""
    await session.execute(
        text(
            "UPDATE callbacks SET attempts = attempts + 1, last_error = :error,"
            " next_attempt_at = now() + make_interval(secs => :delay) WHERE id = ANY(:ids)"
        ),
        {"ids": list(ids), "delay": delay_s, "error": error[:500]},
    )
