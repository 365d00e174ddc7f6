"""Everything a WebApp process shares between requests, built once in the app's lifespan."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from wabiz.kit.storage import MediaStore
from wabiz.webapp.config import WebAppConfig
from wabiz.webapp.coreapp_client import CoreAppClient
from wabiz.webapp.invalid_contacts import InvalidContacts
from wabiz.webapp.routing import Router


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    token_digest: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "ROLE_ADMIN"


@dataclass
class TokenCache:
    """Verified bearer tokens for a few seconds, so the send path costs no database read for auth."""

    ttl: float
    entries: dict[str, tuple[Principal, float, float]] = field(default_factory=dict)

    def get(self, digest: str) -> Principal | None:
        entry = self.entries.get(digest)
        if entry is None:
            return None
        principal, expires_at, cached_at = entry
        now = time.time()
        if now >= expires_at or time.monotonic() - cached_at > self.ttl:
            self.entries.pop(digest, None)
            return None
        return principal

    def put(self, principal: Principal, expires_at: float) -> None:
        if self.ttl > 0 and principal.token_digest:
            if len(self.entries) > 10_000:
                self.entries.clear()
            self.entries[principal.token_digest] = (principal, expires_at, time.monotonic())

    def evict(self, digest: str) -> None:
        self.entries.pop(digest, None)

    def evict_user(self, username: str) -> None:
        for digest in [d for d, (p, _, _) in self.entries.items() if p.username == username]:
            self.entries.pop(digest, None)


@dataclass
class AppState:
    config: WebAppConfig
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: MediaStore
    http: aiohttp.ClientSession
    router: Router
    coreapps: CoreAppClient
    tokens: TokenCache
    invalid_contacts: InvalidContacts
