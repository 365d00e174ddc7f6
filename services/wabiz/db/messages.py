"""Messages, either way, and the outgoing queue they form.

Outbound rows with `status = 'queued'` are the durable outgoing queue: a CoreApp that dies loses
nothing, its successor resumes from them. Inbound rows use the network's message id as theirs,
so a repeated event inserts nothing. Batches travel as arrays through `unnest`, one statement for
many messages, which is what keeps the send path at 1,000 messages a second. A batch update
names its rows twice, joined to the `unnest` and as `id = ANY(:ids)`: the planner guesses 100 rows
for an `unnest`, and against a table of a few thousand rows it then preferred reading all of
`messages` (31 rows read per message sent, in the bench) to the primary key. JSON documents travel
as one JSON array, not as a `text[]`: psycopg quotes and escapes every `"` of every element of a
text array in Python, about 23 µs per message body, against nothing for one string.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def new_message_id() -> str:
    """Our id of an outbound message: what the client gets back and the network echoes."""
    return "gB" + secrets.token_urlsafe(18)


@dataclass
class Outgoing:
    """An accepted outbound message: what the outgoing queue holds."""

    id: str
    wa_id: str
    shard: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Tracked:
    """An outbound message a status may concern."""

    id: str
    upstream_id: str | None
    wa_id: str
    shard: int
    status: str


@dataclass(frozen=True)
class StatusChange:
    status: str
    errors: list[dict[str, Any]] | None  # None keeps the errors already stored


@dataclass(frozen=True)
class Inbound:
    wa_id: str
    upstream_id: str | None


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


async def queue_outgoing(session: AsyncSession, batch: Sequence[Outgoing]) -> None:
    await session.execute(
        text(
            "INSERT INTO messages (id, direction, wa_id, shard, type, body, status)"
            " SELECT id, 'out', wa_id, shard, type, body, 'queued'"
            " FROM ROWS FROM (unnest(CAST(:ids AS text[])), unnest(CAST(:wa_ids AS text[])),"
            " unnest(CAST(:shards AS int[])), unnest(CAST(:types AS text[])),"
            " jsonb_array_elements(CAST(:bodies AS jsonb))) AS m(id, wa_id, shard, type, body)"
        ),
        {
            "ids": [m.id for m in batch],
            "wa_ids": [m.wa_id for m in batch],
            "shards": [m.shard for m in batch],
            "types": [str(m.body["type"]) for m in batch],
            "bodies": _json([m.body for m in batch]),
        },
    )


async def record_accepted(session: AsyncSession, accepted: Sequence[tuple[str, str]]) -> None:
    """(our id, the network's id) of messages the network accepted; a status that arrived first
    is kept. Rows are locked in id order, as `lock_tracked` does: two batches over the same
    messages in different orders would otherwise deadlock."""
    await session.execute(
        text(
            "WITH u AS (SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:upstream AS text[]))"
            " AS u(id, upstream_id)),"
            " locked AS MATERIALIZED (SELECT id FROM messages WHERE id = ANY(:ids)"
            " ORDER BY id FOR UPDATE)"
            " UPDATE messages SET upstream_id = u.upstream_id, updated_at = now(),"
            " status = CASE WHEN messages.status = 'queued' THEN 'sent_upstream' ELSE messages.status END"
            " FROM u JOIN locked USING (id) WHERE messages.id = u.id AND messages.id = ANY(:ids)"
        ),
        {"ids": [a[0] for a in accepted], "upstream": [a[1] for a in accepted]},
    )


async def record_failed(session: AsyncSession, message_id: str, errors: list[dict[str, Any]]) -> None:
    await session.execute(
        text(
            "UPDATE messages SET status = 'failed', errors = CAST(:e AS jsonb), updated_at = now()"
            " WHERE id = :id"
        ),
        {"id": message_id, "e": _json(errors)},
    )


async def queued(session: AsyncSession, shards: set[int], limit: int) -> list[Outgoing]:
    """Queued messages of these shards, oldest first; those younger than a second are left to
    the node that accepted them, which is sending them already."""
    rows = await session.execute(
        text(
            "SELECT id, wa_id, shard, body FROM messages WHERE status = 'queued'"
            " AND shard = ANY(:shards) AND created_at < now() - interval '1 second'"
            " ORDER BY created_at LIMIT :limit"
        ),
        {"shards": sorted(shards), "limit": limit},
    )
    return [Outgoing(r.id, r.wa_id, r.shard, r.body) for r in rows]


async def lock_tracked(session: AsyncSession, ours: list[str], upstream: list[str]) -> list[Tracked]:
    """The messages with these ids (ours or the network's), locked until the transaction ends so
    concurrent statuses of one message are applied one after the other; in id order, the one
    order every batch that locks messages uses, so batches never deadlock."""
    rows = await session.execute(
        text(
            "SELECT id, upstream_id, wa_id, shard, status FROM messages"
            " WHERE id = ANY(:ours) OR upstream_id = ANY(:upstream) ORDER BY id FOR UPDATE"
        ),
        {"ours": ours, "upstream": upstream},
    )
    return [Tracked(r.id, r.upstream_id, r.wa_id, r.shard, r.status) for r in rows]


async def apply_statuses(session: AsyncSession, changes: Mapping[str, StatusChange], purge: bool) -> None:
    """New statuses by message id; `purge` drops the content of delivered and read messages."""
    await session.execute(
        text(
            "UPDATE messages SET status = u.status, updated_at = now(),"
            " errors = COALESCE(CAST(u.errors AS jsonb), messages.errors),"
            " body = CASE WHEN :purge AND u.status IN ('delivered', 'read') THEN NULL ELSE messages.body END"
            " FROM unnest(CAST(:ids AS text[]), CAST(:statuses AS text[]), CAST(:errors AS text[]))"
            " AS u(id, status, errors)"
            " WHERE messages.id = u.id AND messages.id = ANY(:ids)"
        ),
        {
            "ids": list(changes),
            "statuses": [c.status for c in changes.values()],
            "errors": [None if c.errors is None else _json(c.errors) for c in changes.values()],
            "purge": purge,
        },
    )


async def store_inbound(session: AsyncSession, message: dict[str, Any], shard: int) -> bool:
    """Insert an inbound message (id = the network's); False when it is already there."""
    inserted = await session.execute(
        text(
            "INSERT INTO messages (id, direction, wa_id, shard, type, body, status)"
            " VALUES (:id, 'in', :wa_id, :shard, :type, CAST(:body AS jsonb), 'received')"
            " ON CONFLICT (id) DO NOTHING RETURNING id"
        ),
        {
            "id": str(message.get("id")),
            "wa_id": str(message.get("from")),
            "shard": shard,
            "type": str(message.get("type")),
            "body": _json(message),
        },
    )
    return inserted.first() is not None


async def inbound(session: AsyncSession, message_id: str) -> Inbound | None:
    row = (
        await session.execute(
            text("SELECT wa_id, upstream_id FROM messages WHERE id = :id AND direction = 'in'"),
            {"id": message_id},
        )
    ).first()
    return Inbound(row.wa_id, row.upstream_id) if row else None


async def mark_read(session: AsyncSession, message_id: str) -> None:
    await session.execute(text("UPDATE messages SET status = 'read' WHERE id = :id"), {"id": message_id})


# Nothing more will happen to these: the network has answered for good (outbound) or the message
# came in (inbound). Queued and merely sent messages are kept whatever their age.
FINAL_STATUSES = ("delivered", "read", "failed", "deleted", "received")


async def purge_final(session: AsyncSession, unchanged_for: timedelta, limit: int) -> int:
    """Delete up to `limit` messages in a final status unchanged for `unchanged_for`; how many.
    Rows another transaction holds are skipped (concurrent purges share the work)."""
    deleted = await session.execute(
        text(
            "DELETE FROM messages WHERE id IN (SELECT id FROM messages"
            " WHERE status = ANY(:final) AND updated_at < now() - :unchanged_for"
            " LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING id"
        ),
        {"final": list(FINAL_STATUSES), "unchanged_for": unchanged_for, "limit": limit},
    )
    return len(deleted.all())
