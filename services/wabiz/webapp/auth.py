"""Who is calling: bearer tokens (cached), the probe API key and HTTP Basic for login.

A verified bearer token is trusted for `token_cache_seconds` without a database read, so the send
path costs no round trip for authentication. When an entry runs out, the requests that carry the
token at that moment (hundreds under load) share one database read instead of each taking a
connection for the same answer. Logout and user deletion evict at once on this
process; other WebApp replicas notice within that time, which is the price of the cache.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.db.users import ROLE_ADMIN, TokenOwner, token_owner
from wabiz.kit.errors import Unauthorized
from wabiz.kit.passwords import token_digest

# Not a stored role: the probe API key is no user.
PROBE = "ROLE_PROBE"
MAX_CACHED_TOKENS = 10_000


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    token_digest: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


@dataclass
class TokenCache:
    """digest → (principal, token expiry as epoch seconds, monotonic time it was verified)."""

    ttl: float
    entries: dict[str, tuple[Principal, float, float]] = field(default_factory=dict)
    lookups: dict[str, asyncio.Future[TokenOwner | None]] = field(default_factory=dict)

    def get(self, digest: str) -> Principal | None:
        entry = self.entries.get(digest)
        if entry is None:
            return None
        principal, expires_at, verified_at = entry
        if time.time() >= expires_at or time.monotonic() - verified_at > self.ttl:
            self.entries.pop(digest, None)
            return None
        return principal

    def put(self, principal: Principal, expires_at: float) -> None:
        if self.ttl <= 0 or principal.token_digest is None:
            return
        if len(self.entries) >= MAX_CACHED_TOKENS:
            self.entries.clear()  # a crude bound: a burst of distinct tokens costs one re-read each
        self.entries[principal.token_digest] = (principal, expires_at, time.monotonic())

    def evict(self, digest: str) -> None:
        self.entries.pop(digest, None)

    def evict_user(self, username: str) -> None:
        for digest in [d for d, (p, _, _) in self.entries.items() if p.username == username]:
            self.entries.pop(digest, None)


def authorization(header: str | None) -> tuple[str, str]:
    """`Bearer abc` → ("bearer", "abc"); 401 when the header is missing or has no value."""
    scheme, _, value = (header or "").strip().partition(" ")
    if not value.strip():
        raise Unauthorized("missing Authorization header: send Authorization: Bearer <token>")
    return scheme.lower(), value.strip()


def basic_credentials(header: str | None) -> tuple[str, str]:
    """Username and password of an HTTP Basic header (the only way to log in)."""
    scheme, value = authorization(header)
    if scheme != "basic":
        raise Unauthorized("log in with HTTP Basic credentials (username and password)")
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed HTTP Basic credentials") from None
    username, colon, password = decoded.partition(":")
    if not colon:
        raise Unauthorized("malformed HTTP Basic credentials")
    return username, password


def check_api_key(given: str, configured: str | None) -> Principal:
    if configured is None or not hmac.compare_digest(given.encode(), configured.encode()):
        raise Unauthorized("wrong API key")
    return Principal("apikey", PROBE)


async def verify_bearer(
    sessions: async_sessionmaker[AsyncSession], cache: TokenCache, token: str
) -> Principal:
    """The token's user; a cache hit costs no database connection at all."""
    digest = token_digest(token)
    cached = cache.get(digest)
    if cached is not None:
        return cached
    owner = await shared_lookup(cache, digest, lambda: _lookup(sessions, digest))
    if owner is None:
        raise Unauthorized("the bearer token is unknown, expired or revoked; log in again")
    principal = Principal(owner.username, owner.role, digest)
    cache.put(principal, owner.expires_at)
    return principal


async def _lookup(sessions: async_sessionmaker[AsyncSession], digest: str) -> TokenOwner | None:
    async with sessions.begin() as session:
        return await token_owner(session, digest)


async def shared_lookup(
    cache: TokenCache, digest: str, lookup: Callable[[], Awaitable[TokenOwner | None]]
) -> TokenOwner | None:
    """`lookup()`, run once per token at a time, whoever else waits for the same answer.

    Shielded: a caller that goes away (client disconnect) must not cancel the others' read.
    """
    pending = cache.lookups.get(digest)
    if pending is None:
        pending = asyncio.ensure_future(lookup())
        cache.lookups[digest] = pending

        def forget(done: asyncio.Future[TokenOwner | None]) -> None:
            cache.lookups.pop(digest, None)
            if not done.cancelled():
                done.exception()  # retrieved: every waiter may have gone away

        pending.add_done_callback(forget)
    return await asyncio.shield(pending)
