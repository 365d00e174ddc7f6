"""The CoreApp's HTTP face: the internal API the WebApp calls, and the upstream webhook endpoint.

Internal calls carry the shared internal token; the upstream endpoint is authenticated by the
network's signature instead. Handlers only translate HTTP to calls on the `Node`; an upstream
failure during a synchronous call (registration, contacts, mark read, media fetch, profile)
leaves as a contract error the WebApp passes through: 1011 when it may pass, else the upstream's
own words.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import generate_latest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from wabiz.coreapp.config import CoreAppConfig
from wabiz.coreapp.metrics import registry_for
from wabiz.coreapp.node import Node
from wabiz.db.messages import Outgoing
from wabiz.gateway.base import UpstreamError
from wabiz.kit.errors import (
    ApiError,
    InvalidParameter,
    NotReady,
    Unauthorized,
)
from wabiz.kit.httpapp import (
    JSON,
    NO_TELEMETRY,
    error_response,
    install_error_handlers,
    read_body,
    read_signed_body,
    serve,
)
from wabiz.kit.logs import setup
from wabiz.kit.media_types import PROFILE_PHOTO_LIMIT, PROFILE_PHOTO_TYPES
from wabiz.kit.signing import HEADER, verify

log = logging.getLogger(__name__)
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
MAX_SEND_BATCH = 1000


# Cloud API codes that mean the caller's input was wrong: invalid parameter, wrong verification code.
_CALLER_MISTAKES = frozenset({100, 136025})


def api_error_for(error: UpstreamError) -> ApiError:
    if error.retryable:
        return NotReady(f"the WhatsApp network is unavailable right now ({error.details}); retry")
    if error.code in _CALLER_MISTAKES:
        return InvalidParameter(f"refused upstream: {error.details}")
    return ApiError(f"upstream error {error.code} ({error.title}): {error.details}")


async def get_node(request: Request) -> Node:
    """The node is built in the lifespan (it needs the running event loop). A coroutine, so
    FastAPI does not hop to its thread pool for it on every internal call."""
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(get_node)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def envelope_problem(message: dict[str, Any]) -> str | None:
    """What is wrong with the two fields storing and routing rely on, if anything. The WebApp
    validated the rest; one bad row must not fail the whole insert batch it would share."""
    to, kind = message.get("to"), message.get("type")
    if not (isinstance(to, str) and to.isdigit() and len(to) <= 16):
        return "message.to must be the recipient's wa_id (digits)"
    if not (isinstance(kind, str) and 0 < len(kind) <= 16):
        return "message.type must be a message type"
    return None


class SendRequest(_Body):
    message: dict[str, Any]

    @field_validator("message")
    @classmethod
    def _envelope(cls, message: dict[str, Any]) -> dict[str, Any]:
        if (problem := envelope_problem(message)) is not None:
            raise ValueError(problem)
        return message


class SendBatchRequest(_Body):
    messages: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_SEND_BATCH)


class StoredMessage(_Body):
    """A send the WebApp stored (`messages.status = 'queued'`), as the outbox takes it."""

    id: str = Field(min_length=1, max_length=64)
    wa_id: str = Field(pattern=r"^[0-9]{1,16}$")
    shard: int = Field(ge=0)
    body: dict[str, Any]


class HandOffRequest(_Body):
    messages: list[StoredMessage] = Field(min_length=1, max_length=MAX_SEND_BATCH)


async def accept_one(node: Node, message: dict[str, Any]) -> dict[str, Any]:
    """One message of a batch: its id, or its own error (the others are not affected)."""
    try:
        if (problem := envelope_problem(message)) is not None:
            raise InvalidParameter(problem)
        return {"id": await node.sending.accept(message)}
    except ApiError as exc:
        return {"errors": [exc.to_dict()]}


class ReadRequest(_Body):
    status: str


class ContactsRequest(_Body):
    wa_ids: list[str] = Field(max_length=10_000)


class AccountRequest(_Body):
    cc: str = Field(pattern=r"^\d{1,3}$")
    phone_number: str = Field(pattern=r"^\d{4,14}$")
    method: str = Field(pattern=r"^(sms|voice)$")
    cert: str = Field(min_length=1, max_length=8192)
    pin: str | None = None


class VerifyRequest(_Body):
    code: str = Field(min_length=1, max_length=16)


class ProfileRequest(_Body):
    """Fields to change, in the Cloud API's names (the WebApp checked the On-Premises rules)."""

    about: str | None = Field(None, max_length=139)
    address: str | None = Field(None, max_length=256)
    description: str | None = Field(None, max_length=512)
    email: str | None = Field(None, max_length=128)
    vertical: str | None = Field(None, max_length=32)
    websites: list[str] | None = Field(None, max_length=2)


class PinRequest(_Body):
    pin: str = Field(pattern=r"^[0-9]{6}$")


def _internal_routes(app: FastAPI, authorised: Any) -> None:
    @app.post("/internal/queued-messages", dependencies=[authorised])
    async def take_stored(request: HandOffRequest, node: NodeDep) -> JSON:
        """Sends the WebApp stored, to go out now rather than at the next sweep: those of shards
        this node holds are queued for sending, the others are left to their owner's sweep."""
        taken = node.outbox.take([Outgoing(m.id, m.wa_id, m.shard, m.body) for m in request.messages])
        return JSON({"taken": taken})

    # The two calls below store sends for a WebApp of the previous release (rolling upgrades).
    @app.post("/internal/messages", status_code=201, dependencies=[authorised])
    async def send(request: SendRequest, node: NodeDep) -> JSON:
        return JSON({"id": await node.sending.accept(request.message)}, status_code=201)

    @app.post("/internal/message-batches", dependencies=[authorised])
    async def send_batch(request: SendBatchRequest, node: NodeDep) -> JSON:
        """Many sends in one call (the WebApp groups those that arrive while earlier ones are in
        flight): stored together, one answer per message, in order."""
        results = await asyncio.gather(*(accept_one(node, m) for m in request.messages))
        return JSON({"results": list(results)})

    @app.put("/internal/messages/{message_id}", dependencies=[authorised])
    async def mark_read(message_id: str, request: ReadRequest, node: NodeDep) -> JSON:
        if request.status != "read":
            raise InvalidParameter("status must be 'read'")
        await node.sending.mark_read(message_id)
        return JSON({})

    @app.post("/internal/contacts", dependencies=[authorised])
    async def contacts(request: ContactsRequest, node: NodeDep) -> JSON:
        await node.registration.require_registered()
        return JSON({"valid": await node.gateway.check_contacts(request.wa_ids)})

    @app.post("/internal/account", dependencies=[authorised])
    async def register(request: AccountRequest, node: NodeDep) -> JSON:
        result = await node.registration.request_code(
            request.cc, request.phone_number, request.method, request.cert, request.pin
        )
        return JSON({"state": result.state, "vname": result.vname})

    @app.post("/internal/account/verify", dependencies=[authorised])
    async def verify_code(request: VerifyRequest, node: NodeDep) -> JSON:
        return JSON({"state": (await node.registration.verify(request.code)).state})

    @app.post("/internal/media/{media_id}/fetch", dependencies=[authorised])
    async def fetch_media(media_id: str, node: NodeDep) -> JSON:
        await node.media.fetch(media_id)
        return JSON({"stored": True})

    @app.get("/internal/health", dependencies=[authorised])
    async def health(node: NodeDep) -> JSON:
        return JSON(
            {
                "node": node.config.node_id,
                "gateway_status": node.heartbeat.gateway_status,
                "shards": sorted(node.leases.shards),
                "master": node.leases.master,
                "queued": node.outbox.depth,
                "settings_version": node.settings.version,
            }
        )


def _profile_routes(app: FastAPI, authorised: Any) -> None:
    @app.get("/internal/profile", dependencies=[authorised])
    async def read_profile(node: NodeDep) -> JSON:
        return JSON({"profile": await node.profile.read()})

    @app.post("/internal/profile", dependencies=[authorised])
    async def update_profile(request: ProfileRequest, node: NodeDep) -> JSON:
        await node.profile.update(request.model_dump(exclude_none=True))
        return JSON({})

    @app.get("/internal/profile/photo", dependencies=[authorised])
    async def read_photo(node: NodeDep) -> Response:
        photo = await node.profile.photo()
        return Response(photo.data, media_type=photo.mime_type)

    @app.post("/internal/profile/photo", dependencies=[authorised])
    async def set_photo(request: Request, node: NodeDep, content_type: Annotated[str, Header()] = "") -> JSON:
        if content_type not in PROFILE_PHOTO_TYPES:
            raise InvalidParameter(f"Content-Type must be one of {', '.join(PROFILE_PHOTO_TYPES)}")
        await node.profile.set_photo(await read_body(request, PROFILE_PHOTO_LIMIT), content_type)
        return JSON({})

    @app.delete("/internal/profile/photo", dependencies=[authorised])
    async def remove_photo(node: NodeDep) -> JSON:
        await node.profile.remove_photo()

    @app.post("/internal/account/two-step", dependencies=[authorised])
    async def set_pin(request: PinRequest, node: NodeDep) -> JSON:
        await node.profile.set_pin(request.pin)
        return JSON({})

    @app.delete("/internal/account/two-step", dependencies=[authorised])
    async def remove_pin(node: NodeDep) -> JSON:
        await node.profile.remove_pin()


def _metrics_route(app: FastAPI) -> None:
    @app.get("/metrics")
    async def metrics(node: NodeDep) -> Response:
        """Unauthenticated like most scrape targets; it lives on the internal port and holds no secret."""
        return Response(generate_latest(registry_for(node.metrics)), media_type=PROMETHEUS)


def _upstream_routes(app: FastAPI, config: CoreAppConfig) -> None:
    @app.get("/upstream/webhook")
    async def verify_subscription(request: Request) -> Response:
        params = request.query_params
        token = config.upstream_verify_token.get_secret_value()
        if params.get("hub.mode") == "subscribe" and hmac.compare_digest(
            params.get("hub.verify_token", ""), token
        ):
            return PlainTextResponse(params.get("hub.challenge", ""))
        raise Unauthorized("webhook verification token mismatch")

    @app.post("/upstream/webhook")
    async def receive(request: Request, node: NodeDep) -> JSON:
        raw, signature = await read_signed_body(request, config.max_webhook_bytes)
        if not verify(config.upstream_app_secret.get_secret_value(), raw, signature):
            raise Unauthorized(f"bad {HEADER}")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise InvalidParameter("webhook body is not JSON") from None
        await node.events.handle(body)
        return JSON({"status": "ok"})


def create_app(config: CoreAppConfig) -> FastAPI:
    token = config.internal_token.get_secret_value()

    async def require_internal(request: Request) -> None:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise Unauthorized("internal API: missing or wrong internal token")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        node = app.state.node = Node(config)
        await node.start()
        yield
        await node.stop()

    async def on_upstream_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, UpstreamError)
        log.warning("upstream refused %s %s: %s", request.method, request.url.path, exc)
        return error_response(api_error_for(exc))

    app = FastAPI(
        title="wabiz CoreApp (internal)", lifespan=lifespan, openapi_url=None, telemetry=NO_TELEMETRY
    )
    install_error_handlers(app)
    app.add_exception_handler(UpstreamError, on_upstream_error)
    _internal_routes(app, Depends(require_internal))
    _profile_routes(app, Depends(require_internal))
    _upstream_routes(app, config)
    _metrics_route(app)
    return app


def main(config: CoreAppConfig) -> None:
    setup(f"coreapp[{config.node_id}]", config.log_level)
    if config.webhook_secret is None and not config.dev_mode:
        log.warning(
            "WABIZ_WEBHOOK_SECRET is not set: callbacks go out unsigned and the webhook cannot tell"
            " them from forgeries"
        )
    serve(create_app(config), config.coreapp_host, config.coreapp_port, config.log_level)
