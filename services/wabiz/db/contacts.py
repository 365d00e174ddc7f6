"""Verdicts of the network on phone numbers: is this wa_id on WhatsApp, and when was it checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_VERDICTS = "SELECT wa_id, valid, extract(epoch FROM checked_at) AS checked_at FROM contacts"


@dataclass(frozen=True)
class Verdict:
    wa_id: str
    valid: bool
    checked_at: float  # epoch seconds


async def fresh_verdicts(session: AsyncSession, wa_ids: list[str], days: int) -> dict[str, bool]:
    """wa_id → valid, for those of `wa_ids` checked less than `days` ago."""
    rows = await session.execute(
        text(
            "SELECT wa_id, valid FROM contacts WHERE wa_id = ANY(:ids)"
            " AND checked_at > now() - make_interval(days => :days)"
        ),
        {"ids": wa_ids, "days": days},
    )
    return {row.wa_id: row.valid for row in rows}


async def store_verdicts(session: AsyncSession, verdicts: Mapping[str, bool]) -> None:
    """Remember the verdicts as checked now, replacing older ones."""
    await session.execute(
        text(
            "INSERT INTO contacts (wa_id, valid, checked_at)"
            " SELECT wa_id, valid, now() FROM unnest(CAST(:ids AS text[]), CAST(:valid AS boolean[]))"
            " AS checked(wa_id, valid)"
            " ON CONFLICT (wa_id) DO UPDATE SET valid = EXCLUDED.valid, checked_at = EXCLUDED.checked_at"
        ),
        {"ids": list(verdicts), "valid": list(verdicts.values())},
    )


async def recent_invalid(session: AsyncSession, days: int) -> list[Verdict]:
    """Numbers found not to be on WhatsApp less than `days` ago."""
    rows = await session.execute(
        text(_VERDICTS + " WHERE NOT valid AND checked_at > now() - make_interval(days => :days)"),
        {"days": days},
    )
    return [Verdict(r.wa_id, r.valid, float(r.checked_at)) for r in rows]


async def checked_since(session: AsyncSession, since: datetime) -> list[Verdict]:
    rows = await session.execute(text(_VERDICTS + " WHERE checked_at > :since"), {"since": since})
    return [Verdict(r.wa_id, r.valid, float(r.checked_at)) for r in rows]


async def database_now(session: AsyncSession) -> datetime:
    """The database's clock, which `checked_at` follows (the transaction's start)."""
    now: datetime = (await session.execute(text("SELECT now()"))).scalar_one()
    return now
