"""FastAPI glue shared by every wabiz HTTP app: the error envelope and serving.

Every failure leaves as the contract's `errors` envelope: our ApiErrors as they are, request
validation as 1008/1009/1010/1025 naming the field, unknown routes as 1006, database failures as
1023 (503, retry) and anything unexpected as 1014 with the details kept in the log, never in the answer.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from wabiz.kit import signing
from wabiz.kit.envelope import failure
from wabiz.kit.errors import (
    AccessDenied,
    ApiError,
    DatabaseError,
    InternalError,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from wabiz.kit.serving import ServerLimits, limited_protocol
from wabiz.kit.streams import TooLarge, read_at_most
from wabiz.kit.validation import error_from_validation

log = logging.getLogger(__name__)


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# FastAPI's native OpenTelemetry asks the global tracer and meter providers (environment lookups)
# on every request: ~10 % of the WebApp's CPU on the send path. wabiz exports Prometheus metrics,
# not OpenTelemetry, so every app turns it off.
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def error_response(error: ApiError) -> JSON:
    return JSON(failure(error.to_dict()), status_code=error.status, headers=error.headers or None)


def _http_error(status: int, detail: str) -> ApiError:
    if status == 404:
        return NotFound(f"no such endpoint: {detail}" if detail != "Not Found" else "no such endpoint")
    if status == 405:
        return InvalidRequest("method not allowed on this endpoint")
    if status == 401:
        return Unauthorized(detail)
    if status == 403:
        return AccessDenied(detail)
    if status == 413:
        return InvalidRequest("request body too large")
    if status == 415:
        return InvalidRequest(detail)
    return InvalidRequest(detail) if 400 <= status < 500 else InternalError()


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(error_from_validation(list(exc.errors())))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(_http_error(exc.status_code, str(exc.detail)))

    async def on_database(request: Request, exc: Exception) -> Response:
        log.warning("database error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(DatabaseError("the database is unavailable or failed; retry shortly"))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(InternalError("unexpected failure; see the server log"))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(SQLAlchemyError, on_database)
    app.add_exception_handler(Exception, on_unexpected)


def _refuse_declared_oversize(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body larger than {limit} bytes")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, or 413: from its Content-Length before a byte is read, else once the stream
    passes `limit`; never more than `limit` bytes are held."""
    _refuse_declared_oversize(request, limit)
    try:
        return await read_at_most(request.stream(), limit)
    except TooLarge:
        raise PayloadTooLarge(f"request body larger than {limit} bytes") from None


async def read_signed_body(request: Request, limit: int) -> tuple[bytes, str]:
    """A webhook's body and its `X-Hub-Signature-256`, refused as early as each check allows: the
    size from the headers, then a missing or malformed signature, both before reading the body.
    Verifying the signature needs the whole body, so that is the caller's, after this."""
    _refuse_declared_oversize(request, limit)
    signature = request.headers.get(signing.HEADER)
    if signature is None or not signing.well_formed(signature):
        raise Unauthorized(f"bad or missing {signing.HEADER}")
    return await read_body(request, limit), signature


async def json_body(request: Request, limit: int = 1024 * 1024) -> Any:
    """The parsed JSON body, or 1025 for malformed JSON, a wrong content type or an oversize body."""
    content_type = request.headers.get("content-type", "application/json")
    if not content_type.split(";")[0].strip().endswith("json"):
        raise InvalidRequest("Content-Type must be application/json")
    try:
        raw = await read_body(request, limit)
    except PayloadTooLarge as exc:  # the REST contract answers 400 for an oversize JSON body
        raise InvalidRequest(exc.details) from None
    if not raw:
        raise InvalidRequest("the request body is empty; a JSON object is expected")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"malformed JSON: {exc}") from None


def freeze_after_startup(app: FastAPI) -> None:
    """Once the app has started, move every object alive to the collector's permanent generation.
    Modules, routes, models and pools live as long as the process, yet each full collection
    walked them all: about 135 ms on the bench machine, a stall of every request in flight that
    showed as send p99 spikes of 200-400 ms under a steady load."""
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: Any) -> AsyncIterator[None]:
        async with started(served):  # our apps keep their state on `app.state`, not in the lifespan's
            gc.freeze()
            yield

    app.router.lifespan_context = lifespan


def serve(
    app: FastAPI, host: str, port: int, log_level: str = "info", limits: ServerLimits | None = None
) -> None:
    """Run one app with the fast event loop and HTTP parser, within the header size and time limits
    of `kit.serving`; SIGTERM/SIGINT stop it cleanly."""
    limits = limits or ServerLimits()
    freeze_after_startup(app)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level.lower(),
        loop="uvloop",
        http=limited_protocol(limits),
        access_log=False,
        timeout_graceful_shutdown=5,
        proxy_headers=bool(limits.trusted_proxies),
        forwarded_allow_ips=limits.trusted_proxies or None,
    )
