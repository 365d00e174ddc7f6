"""Everything a WebApp process shares between requests, opened once by the app's lifespan.

One database pool, one media store, one pooled HTTP session to the CoreApps, the caches (tokens,
shard map, known-invalid recipients) and the few background tasks; closing undoes it in reverse.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from wabiz.kit.db import make_engine, make_sessionmaker, make_statement_sessionmaker
from wabiz.kit.storage import MediaStore, make_store
from wabiz.webapp.auth import TokenCache
from wabiz.webapp.config import WebAppConfig
from wabiz.webapp.contacts.background import BackgroundChecks
from wabiz.webapp.contacts.known_invalid import KnownInvalid
from wabiz.webapp.coreapp_client import CoreAppClient
from wabiz.webapp.health.metrics import WebAppMetrics
from wabiz.webapp.messages.queue import SendQueue
from wabiz.webapp.routing import ShardMapCache
from wabiz.webapp.users.hashing import PasswordHasher
from wabiz.webapp.users.throttle import Limits, LoginThrottle

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 2.0
MAX_CONNECTIONS = 512
# Below uvicorn's 5 s keep-alive on the CoreApps: reusing a connection the server is closing
# fails after the request was sent, which the send path must answer with 1018.
KEEPALIVE_S = 4.0


@dataclass
class Background:
    """Fire-and-forget work that must neither be garbage-collected early nor outlive the app."""

    tasks: set[asyncio.Task[object]] = field(default_factory=set)

    def spawn(self, work: Coroutine[Any, Any, object], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[object]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("background task %s failed: %r", task.get_name(), task.exception())

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


@dataclass
class AppState:
    config: WebAppConfig
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: MediaStore
    http: aiohttp.ClientSession
    shard_maps: ShardMapCache
    coreapps: CoreAppClient
    sends: SendQueue
    tokens: TokenCache
    known_invalid: KnownInvalid
    metrics: WebAppMetrics
    background: Background
    hasher: PasswordHasher
    throttle: LoginThrottle
    contact_checks: BackgroundChecks


def _http_session(config: WebAppConfig) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=config.coreapp_timeout, connect=CONNECT_TIMEOUT_S),
        connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_S),
    )


def _login_throttle(config: WebAppConfig) -> LoginThrottle:
    def limits(free: int) -> Limits:
        return Limits(
            free, config.login_backoff_seconds, config.login_max_backoff_seconds, config.login_window_seconds
        )

    return LoginThrottle(
        limits(config.login_free_failures_per_user), limits(config.login_free_failures_per_client)
    )


@asynccontextmanager
async def open_state(config: WebAppConfig, metrics: WebAppMetrics) -> AsyncIterator[AppState]:
    engine = make_engine(config.database_dsn(), config.database_pool_size)
    sessions = make_sessionmaker(engine)
    store = make_store(config)
    http = _http_session(config)
    shard_maps = ShardMapCache(sessions)
    background = Background()
    coreapps = CoreAppClient(
        http, config.internal_token.get_secret_value(), shard_maps, config.route_retry_seconds
    )
    state = AppState(
        config=config,
        engine=engine,
        sessions=sessions,
        store=store,
        http=http,
        shard_maps=shard_maps,
        coreapps=coreapps,
        sends=SendQueue(make_statement_sessionmaker(engine), coreapps.hand_off),
        tokens=TokenCache(config.token_cache_seconds),
        known_invalid=KnownInvalid(sessions),
        metrics=metrics,
        background=background,
        contact_checks=BackgroundChecks(background.spawn),
        hasher=PasswordHasher(config.password_hash_concurrency, config.password_hash_queue),
        throttle=_login_throttle(config),
    )
    try:
        await store.ensure_ready()
        await state.known_invalid.try_refresh()
        state.background.spawn(state.known_invalid.keep_fresh(), "known-invalid-contacts")
        yield state
    finally:
        await state.sends.drain()
        await state.background.close()
        state.hasher.close()
        await http.close()
        await store.close()
        await engine.dispose()
