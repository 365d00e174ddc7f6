"""Recipients known not to be on WhatsApp, for a cheap 1013 on the send path."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

INVALID_REFRESH_S = 5.0


class InvalidContacts:
    """Recipients known not to be on WhatsApp, re-read every few seconds, so a send to one is
    refused with 1013 at once without a database read per message."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._invalid: frozenset[str] = frozenset()
        self._read_at = -INVALID_REFRESH_S

    async def known_invalid(self, wa_id: str) -> bool:
        if time.monotonic() - self._read_at > INVALID_REFRESH_S:
            async with self._sessions() as session:
                rows = await session.execute(
                    text(
                        "SELECT wa_id FROM contacts"
                        " WHERE NOT valid AND checked_at > now() - interval '7 days'"
                    )
                )
                self._invalid = frozenset(rows.scalars())
            self._read_at = time.monotonic()
        return wa_id in self._invalid

    def remember(self, results: dict[str, bool]) -> None:
        self._invalid = self._invalid | {w for w, valid in results.items() if not valid}
