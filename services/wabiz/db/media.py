"""Media metadata; the bytes live in the media store under the same id.

`source` says where a media object came from: `upload` (the business, stored at once) or
`inbound` (a user, stored once fetched from the network). `upstream_id` is the network's id for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class MediaRow:
    mime_type: str
    size: int | None
    stored: bool
    upstream_id: str | None


async def add_upload(session: AsyncSession, media_id: str, mime_type: str, size: int, sha256: str) -> None:
    await session.execute(
        text(
            "INSERT INTO media (id, mime_type, size, sha256, source, stored)"
            " VALUES (:id, :mime, :size, :sha, 'upload', true)"
        ),
        {"id": media_id, "mime": mime_type, "size": size, "sha": sha256},
    )


async def add_inbound(
    session: AsyncSession, media_id: str, mime_type: str, sha256: str | None, upstream_id: str
) -> None:
    """Media a user sent, known so far only by the network's id."""
    await session.execute(
        text(
            "INSERT INTO media (id, mime_type, sha256, source, upstream_id, stored)"
            " VALUES (:id, :mime, :sha, 'inbound', :up, false)"
        ),
        {"id": media_id, "mime": mime_type, "sha": sha256, "up": upstream_id},
    )


async def find(session: AsyncSession, media_id: str) -> MediaRow | None:
    row = (
        await session.execute(
            text("SELECT mime_type, size, stored, upstream_id FROM media WHERE id = :id"), {"id": media_id}
        )
    ).first()
    return MediaRow(row.mime_type, row.size, row.stored, row.upstream_id) if row else None


async def existing(session: AsyncSession, media_ids: list[str]) -> set[str]:
    """Which of these ids exist."""
    found = await session.execute(text("SELECT id FROM media WHERE id = ANY(:ids)"), {"ids": media_ids})
    return set(found.scalars())


async def delete(session: AsyncSession, media_id: str) -> bool:
    """False when there was no such media."""
    deleted = await session.execute(text("DELETE FROM media WHERE id = :id RETURNING id"), {"id": media_id})
    return deleted.first() is not None


async def mark_stored(session: AsyncSession, media_id: str, size: int, sha256: str) -> None:
    await session.execute(
        text("UPDATE media SET stored = true, size = :size, sha256 = :sha WHERE id = :id"),
        {"id": media_id, "size": size, "sha": sha256},
    )


async def set_upstream_id(session: AsyncSession, media_id: str, upstream_id: str) -> None:
    await session.execute(
        text("UPDATE media SET upstream_id = :up WHERE id = :id"), {"id": media_id, "up": upstream_id}
    )


async def lock_unused(session: AsyncSession, unused_for: timedelta, limit: int) -> list[str]:
    """Up to `limit` media older than `unused_for` that no message of that period names (its
    body holds the id anywhere: media messages, template headers, inbound media), locked until
    the transaction ends. Rows another transaction holds are skipped, so concurrent collections
    share the work instead of waiting for each other."""
    rows = await session.execute(
        text(
            "WITH used AS (SELECT DISTINCT jsonb_path_query(body, '$.**.id') #>> '{}' AS id"
            " FROM messages WHERE body IS NOT NULL AND created_at >= now() - :unused_for)"
            " SELECT m.id FROM media m WHERE m.created_at < now() - :unused_for"
            " AND NOT EXISTS (SELECT 1 FROM used WHERE used.id = m.id)"
            " ORDER BY m.created_at LIMIT :limit FOR UPDATE OF m SKIP LOCKED"
        ),
        {"unused_for": unused_for, "limit": limit},
    )
    return list(rows.scalars())


async def delete_many(session: AsyncSession, media_ids: list[str]) -> int:
    """How many of these rows there were."""
    deleted = await session.execute(
        text("DELETE FROM media WHERE id = ANY(:ids) RETURNING id"), {"ids": media_ids}
    )
    return len(deleted.all())
