"""The WebApp: the public REST API of the On-Premises contract.

`create_app` wires one router per domain, the error envelope (`kit.httpapp`) and the metrics
middleware; the lifespan opens the shared state (database pool, media store, HTTP pool to the
CoreApps, caches) once per process. The interactive docs pages are off (they load scripts from a
CDN); `/openapi.json` describes every endpoint.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from wabiz import __version__
from wabiz.kit.httpapp import NO_TELEMETRY, install_error_handlers, serve
from wabiz.kit.logs import setup
from wabiz.webapp import openapi
from wabiz.webapp.account.endpoints import router as account
from wabiz.webapp.backup.endpoints import router as backup
from wabiz.webapp.certificates.endpoints import router as certificates
from wabiz.webapp.config import WebAppConfig
from wabiz.webapp.contacts.endpoints import router as contacts
from wabiz.webapp.gc.endpoints import router as gc
from wabiz.webapp.groups.endpoints import router as groups
from wabiz.webapp.health.endpoints import router as health
from wabiz.webapp.health.metrics import MetricsMiddleware, WebAppMetrics
from wabiz.webapp.media.endpoints import router as media
from wabiz.webapp.messages.endpoints import router as messages
from wabiz.webapp.profile.endpoints import router as profile
from wabiz.webapp.providers.endpoints import router as providers
from wabiz.webapp.settings.endpoints import router as settings
from wabiz.webapp.state import open_state
from wabiz.webapp.support.endpoints import router as support
from wabiz.webapp.upstream.endpoints import router as upstream
from wabiz.webapp.users.endpoints import router as users

log = logging.getLogger(__name__)
ROUTERS = (
    users,
    contacts,
    messages,
    media,
    settings,
    profile,
    backup,
    account,
    health,
    support,
    upstream,
    certificates,
    providers,
    gc,
    groups,
)


def create_app(config: WebAppConfig) -> FastAPI:
    metrics = WebAppMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_state(config, metrics) as state:
            app.state.wabiz = state
            log.info("webapp serving on http://%s:%s", config.host, config.port)
            yield

    app = FastAPI(
        title="wabiz WebApp",
        telemetry=NO_TELEMETRY,
        version=__version__,
        description="The WhatsApp Business On-Premises REST API, served by wabiz.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=openapi.operation_id,
    )
    install_error_handlers(app)
    openapi.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def main(config: WebAppConfig) -> None:
    setup("webapp", config.log_level)
    serve(create_app(config), config.host, config.port, config.log_level, config.server_limits())
