"""The WebApp: the public REST API of the On-Premises contract.

`create_app` wires the routers (one module per domain), the error envelope, metrics and a body
size guard; the lifespan builds the shared state (database pool, media store, HTTP pool to the
CoreApps) once per process.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from wabiz import __version__
from wabiz.kit.db import make_engine, make_sessionmaker
from wabiz.kit.errors import InvalidRequest
from wabiz.kit.httpapp import error_response, install_error_handlers, serve
from wabiz.kit.logs import setup
from wabiz.kit.storage import make_store
from wabiz.webapp import account, app_settings, contacts, health, media, messages, support, upstream, users
from wabiz.webapp.config import WebAppConfig
from wabiz.webapp.coreapp_client import CoreAppClient
from wabiz.webapp.invalid_contacts import InvalidContacts
from wabiz.webapp.metrics import MetricsMiddleware
from wabiz.webapp.routing import Router
from wabiz.webapp.state import AppState, TokenCache

log = logging.getLogger(__name__)
UNBOUNDED_PATHS = ("/v1/media",)


class BodyLimit:
    """Refuse a declared oversize JSON body before reading it (media uploads have their own cap)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(UNBOUNDED_PATHS):
            declared = dict(scope["headers"]).get(b"content-length", b"0")
            if declared.isdigit() and int(declared) > self.limit:
                response = error_response(InvalidRequest(f"request body larger than {self.limit} bytes"))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_state(config: WebAppConfig) -> AppState:
    engine = make_engine(config.database_dsn(), config.database_pool_size)
    sessions = make_sessionmaker(engine)
    router = Router(sessions)
    http = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=config.coreapp_timeout, connect=2),
        connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=30),
    )
    return AppState(
        config=config,
        engine=engine,
        sessions=sessions,
        store=make_store(config),
        http=http,
        router=router,
        coreapps=CoreAppClient(
            http, config.internal_token.get_secret_value(), router, config.route_retry_seconds
        ),
        tokens=TokenCache(config.token_cache_seconds),
        invalid_contacts=InvalidContacts(sessions),
    )


def create_app(config: WebAppConfig) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state.wabiz = build_state(config)
        log.info("webapp listening on http://%s:%s", config.host, config.port)
        yield
        await state.http.close()
        await state.store.close()
        await state.engine.dispose()

    app = FastAPI(
        title="wabiz WebApp",
        version=__version__,
        description="The WhatsApp Business On-Premises REST API, served by wabiz.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    for module in (users, contacts, messages, media, app_settings, account, health, support, upstream):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, limit=config.max_json_bytes)
    app.add_middleware(MetricsMiddleware)
    return app


def main(config: WebAppConfig) -> None:
    setup("webapp", config.log_level)
    serve(create_app(config), config.host, config.port, config.log_level)
