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

from wabiz.kit.httpapp import JSON, NO_TELEMETRY, serve
from wabiz.kit.logs import setup
from wabiz.kit.phone import normalize
from wabiz.kit.sandbox_protocol import INSTANCE_FIELD
from wabiz.sandbox import profiles, rules
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

    @router.post("/{version}/app/uploads")
    async def start_upload(file_length: str | None = None, file_type: str | None = None) -> JSON:
        return JSON({"id": sandbox.start_upload(file_length, file_type)})

    # Before `POST /{version}/{pnid}`, which would take the session id for a phone number id.
    @router.post("/{version}/upload:{session}")
    async def upload_data(session: str, request: Request) -> JSON:
        offset = request.headers.get("file_offset")
        return JSON({"h": sandbox.finish_upload(f"upload:{session}", offset, await request.body())})

    @router.get("/{version}/{pnid}/whatsapp_business_profile")
    async def business_profile(pnid: str) -> JSON:
        return JSON(sandbox.profile(sandbox.business(pnid)))

    @router.post("/{version}/{pnid}/whatsapp_business_profile")
    async def update_business_profile(pnid: str, request: Request) -> JSON:
        sandbox.update_profile(sandbox.business(pnid), await _json(request))
        return JSON({"success": True})

    @router.get("/{version}/{waba_id}/message_templates")
    async def message_templates(waba_id: str) -> JSON:
        sandbox.waba(waba_id)
        return JSON(profiles.message_templates(sandbox.catalogue))

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

    @router.post("/{version}/{pnid}")
    async def set_pin(pnid: str, request: Request) -> JSON:
        """Two-step verification (`{"pin"}`), the one field of a phone number the sandbox changes."""
        sandbox.set_pin(sandbox.business(pnid), await _json(request))
        return JSON({"success": True})

    # Matches every two-segment GET, so the app includes this router after the control routes.
    # Graph ids name any object: a registered phone number's id answers the number, any other media.
    @router.get("/{version}/{object_id}")
    async def object_info(object_id: str) -> JSON:
        if object_id in sandbox.state.verified:
            return JSON(profiles.phone_number(object_id))
        return JSON(sandbox.media_info(object_id))

    return router


def _public_routes(sandbox: Sandbox) -> APIRouter:
    """No token: the health check, and profile photos, public links like those of the network's CDN."""
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> JSON:
        return JSON({"status": "ok", INSTANCE_FIELD: sandbox.instance})

    @router.get("/profile-photo/{photo_id}")
    async def profile_photo(photo_id: str) -> Response:
        photo = sandbox.profile_photo(photo_id)
        return Response(photo.data, media_type=photo.mime_type)

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

    app = FastAPI(title="wabiz sandbox", lifespan=lifespan, openapi_url=None, telemetry=NO_TELEMETRY)
    app.state.sandbox = sandbox
    _install_error_handlers(app)
    app.include_router(_public_routes(sandbox))
    app.include_router(_control_routes(sandbox))
    app.include_router(_cloud_routes(sandbox))
    return app


def main(config: SandboxConfig) -> None:
    setup("sandbox", config.log_level)
    serve(create_app(config), config.host, config.port, config.log_level)
