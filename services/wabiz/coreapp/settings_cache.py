"""The settings as this node last read them: the application settings and the webhooks' CA bundle,
read together in one query and re-validated only when a `version` changed."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.db import settings
from wabiz.kit.appsettings import ApplicationSettings, validate
from wabiz.kit.errors import ApiError

log = logging.getLogger(__name__)
SYNCED = (settings.APPLICATION, settings.WEBHOOKS_CA)


class SettingsCache:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions  # one read: the node passes autocommit sessions
        self.version = -1
        self.current = ApplicationSettings()
        self._ca_version = -1
        self.webhooks_ca: str | None = None  # PEM, trusted besides the system's authorities

    def behind(self, versions: Mapping[str, int]) -> bool:
        """Whether these stored versions (of `SYNCED`) are newer than what this node applied."""
        known = {settings.APPLICATION: self.version, settings.WEBHOOKS_CA: self._ca_version}
        return any(versions.get(name, 0) != known[name] for name in SYNCED)

    async def catch_up(self, versions: Mapping[str, int] | None = None) -> None:
        """Apply the stored settings unless `versions`, read by the caller, show nothing new."""
        if versions is None or self.behind(versions):
            await self.refresh()

    async def refresh(self) -> bool:
        """True when the settings changed."""
        async with self._sessions() as session:
            stored = await settings.several_versioned(session, SYNCED)
        ca = stored[settings.WEBHOOKS_CA]
        if ca.version != self._ca_version:
            pem = ca.overrides.get("pem")
            self.webhooks_ca, self._ca_version = (pem if isinstance(pem, str) else None), ca.version
        application = stored[settings.APPLICATION]
        if application.version == self.version:
            return False
        try:
            self.current = validate(application.overrides)
        except ApiError as exc:  # a bad row must not stop the node; keep the last good settings
            log.error(
                "ignoring invalid application settings (version %s): %s", application.version, exc.details
            )
        self.version = application.version
        return True
