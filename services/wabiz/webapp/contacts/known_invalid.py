"""Recipients known not to be on WhatsApp, held in memory for a cheap 1013 on the send path.

Only negative results are kept (sends to valid or never-checked numbers are the common case and
need nothing), and the set is refreshed in the background from rows changed since the last read,
so a send never waits for the database and a big contacts table is not re-read every time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.db import contacts

log = logging.getLogger(__name__)
CACHE_DAYS = 7
CACHE_S = CACHE_DAYS * 24 * 3600.0
REFRESH_S = 5.0
# A contacts upsert that began before our last read but committed after it carries an older
# `checked_at`; reading this far back again catches it (re-applying a row is harmless).
OVERLAP = timedelta(seconds=30)


class KnownInvalid:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], refresh_s: float = REFRESH_S) -> None:
        self._sessions, self._refresh_s = sessions, refresh_s
        self._invalid: dict[str, float] = {}  # wa_id → checked_at (epoch seconds)
        self._read_at: datetime | None = None

    def is_invalid(self, wa_id: str) -> bool:
        checked_at = self._invalid.get(wa_id)
        return checked_at is not None and time.time() - checked_at < CACHE_S

    def remember(self, results: Mapping[str, bool], checked_at: float) -> None:
        for wa_id, valid in results.items():
            if valid:
                self._invalid.pop(wa_id, None)
            else:
                self._invalid[wa_id] = checked_at

    async def refresh(self) -> None:
        async with self._sessions.begin() as session:
            read_at = await contacts.database_now(session)
            if self._read_at is None:
                verdicts = await contacts.recent_invalid(session, CACHE_DAYS)
            else:
                verdicts = await contacts.checked_since(session, self._read_at - OVERLAP)
        for verdict in verdicts:
            self.remember({verdict.wa_id: verdict.valid}, verdict.checked_at)
        self._read_at = read_at
        expired = time.time() - CACHE_S
        self._invalid = {wa_id: at for wa_id, at in self._invalid.items() if at > expired}

    async def try_refresh(self) -> None:
        """Refresh, or keep the last known set through a database outage."""
        try:
            await self.refresh()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("could not refresh known-invalid contacts: %s", type(exc).__name__)

    async def keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_s)
            await self.try_refresh()
