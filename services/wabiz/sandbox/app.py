"""The sandbox's HTTP surface: the Cloud API (plus documented extensions) and the control API.

Routes are thin: the simulation lives in `network.py`, the rules in `rules.py`/`templates.py`,
event delivery in `events.py`. Cloud API routes answer errors in the Cloud API's shape (that is
what the CoreApp's gateway parses); control routes answer `{"error": <why>}`, as a test tool should.
Cloud API routes take the upstream token; control routes, which can fake any customer, their own
bearer (`WABIZ_SANDBOX_CONTROL_TOKEN`; open only in development mode without one).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from wabiz.kit.httpapp import JSON, serve
from wabiz.kit.logs import setup
from wabiz.kit.phone import normalize
from wabiz.kit.sandbox_protocol import INSTANCE_FIELD
from wabiz.sandbox import rules
from wabiz.sandbox.cloud_errors import CloudError, invalid
from wabiz.sandbox.config import SandboxConfig
from wabiz.sandbox.control import Behaviour, ControlError
from wabiz.sandbox.multipart import form_fields
from wabiz.sandbox.network import Sandbox

log = logging.getLogger(__name__)


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise invalid("the body must be JSON") from None
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    return body


def _token_check(sandbox: Sandbox) -> Callable[[Request], Awaitable[None]]:
    expected = ("Bearer " + sandbox.config.token.get_secret_value()).encode()

    async def authorized(request: Request) -> None:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise CloudError(401, 190, "Invalid OAuth access token - Cannot parse access token")

    return authorized


def _control_check(sandbox: Sandbox) -> Callable[[Request], Awaitable[None]]:
    token = sandbox.config.control_token
    expected = ("Bearer " + token.get_secret_value()).encode() if token else None

    async def authorized(request: Request) -> None:
        given = request.headers.get("authorization", "").encode()
        if expected is not None and not hmac.compare_digest(given, expected):
            raise ControlError(
                "the control API needs Authorization: Bearer $WABIZ_SANDBOX_CONTROL_TOKEN", 401
            )

    return authorized


def _cloud_routes(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(dependencies=[Depends(_token_check(sandbox))])

    @router.post("/{version}/account")
    async def request_code(request: Request) -> JSON:
        return JSON(sandbox.request_code(await _json(request)))

    @router.post("/{version}/account/verify")
    async def verify(request: Request) -> JSON:
        return JSON(sandbox.verify(await _json(request)))

    @router.post("/{version}/{pnid}/messages")
    async def send(pnid: str, request: Request) -> JSON:
        sandbox.business(pnid)
        body = await _json(request)
        if body.get("status") == "read":
            sandbox.mark_read(body)
            return JSON({"success": True})
        wa_id, wamid = sandbox.send(pnid, body)
        return JSON(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": wa_id}],
                "messages": [{"id": wamid}],
            }
        )

    @router.post("/{version}/{pnid}/contacts")
    async def contacts(pnid: str, request: Request) -> JSON:
        sandbox.business(pnid)
        numbers = (await _json(request)).get("contacts")
        if not isinstance(numbers, list):
            raise invalid("contacts must be a list of phone numbers")
        return JSON({"contacts": [rules.contact_status(number) for number in numbers]})

    @router.post("/{version}/{pnid}/media")
    async def upload(pnid: str, request: Request) -> JSON:
        sandbox.business(pnid)
        fields = form_fields(request.headers.get("content-type", ""), await request.body())
        return JSON({"id": sandbox.upload(fields)})

    @router.get("/media-download/{media_id}")
    async def download(media_id: str) -> Response:
        media = sandbox.media(media_id)
        return Response(media.data, media_type=media.mime_type)

    # Matches every two-segment GET, so the app includes this router after the control routes.
    @router.get("/{version}/{media_id}")
    async def media_info(media_id: str) -> JSON:
        return JSON(sandbox.media_info(media_id))

    return router


def _health_routes(sandbox: Sandbox) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> JSON:
        return JSON({"status": "ok", INSTANCE_FIELD: sandbox.instance})

    return router


def _control_routes(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(dependencies=[Depends(_control_check(sandbox))])

    @router.post("/control/inbound")
    async def inbound(request: Request) -> JSON:
        return JSON({"id": sandbox.inbound(_control_body(await request.body()))})

    @router.get("/control/messages")
    async def received(to: str | None = None) -> JSON:
        summary = sandbox.state.summary(normalize(to) if to else None)
        return JSON(summary | {"read_marks": sandbox.state.read_marks})

    @router.post("/control/reset")
    async def reset() -> JSON:
        sandbox.state.forget_received()
        return JSON({"status": "ok"})

    @router.get("/control/config")
    async def get_config() -> JSON:
        return JSON(sandbox.behaviour.model_dump())

    @router.patch("/control/config")
    async def patch_config(request: Request) -> JSON:
        changes = _control_body(await request.body())
        try:
            behaviour = Behaviour.model_validate(sandbox.behaviour.model_dump() | changes)
        except ValidationError as exc:
            raise ControlError(str(exc)) from None
        sandbox.reconfigure(behaviour)
        return JSON(behaviour.model_dump())

    @router.get("/control/templates")
    async def templates() -> JSON:
        return JSON(sandbox.catalogue.listing())

    return router


def _control_body(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ControlError(f"malformed JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


def _install_error_handlers(app: FastAPI) -> None:
    async def on_cloud_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CloudError)
        return exc.response()

    async def on_control_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ControlError)
        return JSON({"error": str(exc)}, status_code=exc.status)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        details = f"{request.method} {request.url.path}: {exc.detail}"
        return CloudError(exc.status_code, 100, "Unsupported request", details).response()

    app.add_exception_handler(CloudError, on_cloud_error)
    app.add_exception_handler(ControlError, on_control_error)
    app.add_exception_handler(StarletteHTTPException, on_http)


def create_app(config: SandboxConfig) -> FastAPI:
    sandbox = Sandbox(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sandbox.events.start()
        log.info("sandbox ready on %s, events to %s", config.base_url, sandbox.behaviour.webhook_url)
        yield
        await sandbox.stop(config.drain_seconds)

    app = FastAPI(title="wabiz sandbox", lifespan=lifespan, openapi_url=None)
    app.state.sandbox = sandbox
    _install_error_handlers(app)
    app.include_router(_health_routes(sandbox))
    app.include_router(_control_routes(sandbox))
    app.include_router(_cloud_routes(sandbox))
    return app


def main(config: SandboxConfig) -> None:
    setup("sandbox", config.log_level)
    serve(create_app(config), config.host, config.port, config.log_level)
