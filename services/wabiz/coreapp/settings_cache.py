"""The application settings as this node last read them; re-read only when `version` changes."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.db import settings
from wabiz.kit.appsettings import ApplicationSettings, validate
from wabiz.kit.errors import ApiError

log = logging.getLogger(__name__)


class SettingsCache:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self.version = -1
        self.current = ApplicationSettings()

    async def refresh(self) -> bool:
        """True when the settings changed."""
        async with self._sessions() as session:
            stored = await settings.versioned(session)
        version, value = stored.version, stored.overrides
        if version == self.version:
            return False
        try:
            self.current = validate(value)
        except ApiError as exc:  # a bad row must not stop the node; keep the last good settings
            log.error("ignoring invalid application settings (version %s): %s", version, exc.details)
        self.version = version
        return True
