"""The sandbox: a WhatsApp network for development and tests, speaking the Cloud API wire format.

Routes are thin: the rules live in `rules.py`/`templates.py`, state in `state.py`, event delivery in
`events.py`, the control API's parsing in `control.py`. Behaviour is deterministic for a given seed.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from pydantic import ValidationError

from wabiz.kit.httpapp import JSON, serve
from wabiz.kit.logs import setup
from wabiz.kit.phone import normalize
from wabiz.sandbox import rules
from wabiz.sandbox.cloud_errors import CloudError, invalid, status_errors
from wabiz.sandbox.config import SandboxConfig
from wabiz.sandbox.control import Behaviour, InboundError, inbound_message
from wabiz.sandbox.events import EventPoster
from wabiz.sandbox.multipart import form_fields
from wabiz.sandbox.state import SandboxState
from wabiz.sandbox.templates import template_error

log = logging.getLogger(__name__)
VERIFICATION_CODE = "123456"


class Sandbox:
    """State, behaviour and the event poster of one running sandbox."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state = SandboxState()
        self.behaviour = Behaviour(
            webhook_url=config.webhook_url,
            sent_delay=config.sent_delay,
            delivered_delay=config.delivered_delay,
            read_delay=config.read_delay,
            failure_rate=config.failure_rate,
            enforce_window=config.enforce_window,
            seed=config.seed,
        )
        self.random = random.Random(config.seed)  # noqa: S311 (simulation, not security)
        self.events = EventPoster(lambda: self.behaviour.webhook_url, config.app_secret.get_secret_value())

    def check_token(self, request: Request) -> None:
        given = request.headers.get("authorization", "")
        expected = "Bearer " + self.config.token.get_secret_value()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise CloudError(401, 190, "Invalid OAuth access token")

    def business(self, pnid: str) -> str:
        if pnid not in self.state.verified:
            raise CloudError(400, 100, f"Unsupported post request. Object with ID '{pnid}' does not exist")
        return pnid

    def schedule_statuses(self, pnid: str, wamid: str, to: str, body: dict[str, Any]) -> None:
        error = self.delivery_error(pnid, to, body)
        base: dict[str, Any] = {"id": wamid, "recipient_id": to}
        if body.get("biz_opaque_callback_data"):
            base["biz_opaque_callback_data"] = body["biz_opaque_callback_data"]
        loop = asyncio.get_running_loop()
        if error is not None:
            failed = base | {"status": "failed", "errors": status_errors(error, rules.ERROR_TITLES[error])}
            loop.call_later(self.behaviour.sent_delay, self._emit, pnid, failed)
            return
        for status, delay in (
            ("sent", self.behaviour.sent_delay),
            ("delivered", self.behaviour.delivered_delay),
            ("read", self.behaviour.read_delay),
        ):
            loop.call_later(delay, self._emit, pnid, base | {"status": status})

    def delivery_error(self, pnid: str, to: str, body: dict[str, Any]) -> int | None:
        kind = str(body.get("type", "text"))
        window = rules.window_open(self.state.last_inbound.get((pnid, to)), time.time())
        error = rules.delivery_error(kind, to, window, self.behaviour.enforce_window)
        if error is None and kind == "template":
            error = template_error(body.get("template"))
        if error is None and self.random.random() < self.behaviour.failure_rate:
            error = rules.GENERIC
        return error

    def _emit(self, pnid: str, status: dict[str, Any]) -> None:
        self.events.status(pnid, status | {"timestamp": str(int(time.time()))})


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise invalid("the body must be JSON") from None
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    return body


def _cloud_routes(app: FastAPI, sandbox: Sandbox) -> None:
    @app.post("/{version}/account")
    async def request_code(version: str, request: Request) -> JSON:
        sandbox.check_token(request)
        body = await _json(request)
        pnid = normalize(f"{body.get('cc', '')}{body.get('phone_number', '')}") or ""
        if not rules.is_whatsapp_user(pnid) or body.get("method") not in ("sms", "voice"):
            raise invalid("cc + phone_number must form a valid number and method must be sms or voice")
        if pnid in sandbox.state.verified:
            return JSON({"status": "registered", "phone_number_id": pnid})
        sandbox.state.pending.add(pnid)
        return JSON({"status": "code_sent", "vname": f"wabiz sandbox {pnid}"})

    @app.post("/{version}/account/verify")
    async def verify(version: str, request: Request) -> JSON:
        sandbox.check_token(request)
        body = await _json(request)
        pnid = normalize(f"{body.get('cc', '')}{body.get('phone_number', '')}") or ""
        if pnid not in sandbox.state.pending | sandbox.state.verified:
            raise invalid("request a code first (POST /{version}/account)")
        if str(body.get("code")) != VERIFICATION_CODE:
            raise CloudError(400, 136025, "Verification code is incorrect")
        sandbox.state.verified.add(pnid)
        return JSON({"status": "registered", "phone_number_id": pnid})

    @app.post("/{version}/{pnid}/messages")
    async def send(version: str, pnid: str, request: Request) -> JSON:
        sandbox.check_token(request)
        business = sandbox.business(pnid)
        body = await _json(request)
        if body.get("messaging_product") != "whatsapp":
            raise invalid("messaging_product must be 'whatsapp'")
        if body.get("status") == "read":
            sandbox.state.read_marks.append(str(body.get("message_id")))
            return JSON({"success": True})
        to = normalize(str(body.get("to", "")))
        if not to:
            raise invalid("to must be a phone number")
        entry = sandbox.state.record_send(to, body)
        sandbox.schedule_statuses(business, entry.id, to, body)
        return JSON(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": to}],
                "messages": [{"id": entry.id}],
            }
        )

    @app.post("/{version}/{pnid}/contacts")
    async def contacts(version: str, pnid: str, request: Request) -> JSON:
        sandbox.check_token(request)
        sandbox.business(pnid)
        numbers = (await _json(request)).get("contacts")
        if not isinstance(numbers, list):
            raise invalid("contacts must be a list of phone numbers")
        results = []
        for number in numbers:
            digits = normalize(str(number))
            valid = digits is not None and rules.is_whatsapp_user(digits)
            result = {"input": number, "status": "valid" if valid else "invalid"}
            results.append(result | ({"wa_id": digits} if valid else {}))
        return JSON({"contacts": results})

    @app.post("/{version}/{pnid}/media")
    async def upload(version: str, pnid: str, request: Request) -> JSON:
        sandbox.check_token(request)
        sandbox.business(pnid)
        fields = form_fields(request.headers.get("content-type", ""), await request.body())
        if "file" not in fields:
            raise invalid("multipart field 'file' is required")
        data, part_type = fields["file"]
        declared = fields.get("type", (b"", ""))[0].decode() or part_type
        return JSON({"id": sandbox.state.store_media(data, declared)})

    @app.get("/{version}/{media_id}")
    async def media_info(version: str, media_id: str, request: Request) -> JSON:
        sandbox.check_token(request)
        media = sandbox.state.media.get(media_id)
        if media is None:
            raise CloudError(404, 100, f"Media '{media_id}' does not exist")
        return JSON(
            {
                "messaging_product": "whatsapp",
                "url": f"{sandbox.config.base_url}/media-download/{media_id}",
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": len(media.data),
                "id": media_id,
            }
        )


def _control_routes(app: FastAPI, sandbox: Sandbox) -> None:
    @app.get("/healthz")
    async def healthz() -> JSON:
        return JSON({"status": "ok"})

    @app.get("/media-download/{media_id}")
    async def download(media_id: str, request: Request) -> Response:
        sandbox.check_token(request)
        media = sandbox.state.media.get(media_id)
        if media is None:
            raise CloudError(404, 100, f"Media '{media_id}' does not exist")
        return Response(media.data, media_type=media.mime_type)

    @app.post("/control/inbound")
    async def inbound(request: Request) -> JSON:
        try:
            body = orjson.loads(await request.body())
            user, message = inbound_message(body, sandbox.state)
        except (InboundError, orjson.JSONDecodeError) as exc:
            return JSON({"error": str(exc)}, status_code=400)
        pnid = str(body.get("to") or next(iter(sorted(sandbox.state.verified)), ""))
        if pnid not in sandbox.state.verified:
            return JSON({"error": "no registered business number to write to"}, status_code=409)
        sandbox.state.last_inbound[(pnid, user)] = time.time()
        profile = {"profile": {"name": str(body.get("profile_name") or "Sandbox User")}, "wa_id": user}
        sandbox.events.message(pnid, {"contacts": [profile], "messages": [message]})
        return JSON({"id": message["id"]})

    @app.get("/control/messages")
    async def received(to: str | None = None) -> JSON:
        return JSON(
            sandbox.state.summary(normalize(to) if to else None) | {"read_marks": sandbox.state.read_marks}
        )

    @app.post("/control/reset")
    async def reset() -> JSON:
        sandbox.state.received.clear()
        sandbox.state.read_marks.clear()
        return JSON({"status": "ok"})

    @app.get("/control/config")
    async def get_config() -> JSON:
        return JSON(sandbox.behaviour.model_dump())

    @app.patch("/control/config")
    async def patch_config(request: Request) -> JSON:
        try:
            changed = Behaviour.model_validate(
                sandbox.behaviour.model_dump() | orjson.loads(await request.body())
            )
        except (ValidationError, orjson.JSONDecodeError, TypeError) as exc:
            return JSON({"error": str(exc)}, status_code=400)
        sandbox.behaviour = changed
        sandbox.random.seed(changed.seed)
        return JSON(changed.model_dump())


def create_app(config: SandboxConfig) -> FastAPI:
    sandbox = Sandbox(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sandbox.events.start()
        log.info("sandbox ready on %s, events to %s", config.base_url, sandbox.behaviour.webhook_url)
        yield
        await sandbox.events.stop()

    app = FastAPI(title="wabiz sandbox", lifespan=lifespan, openapi_url=None)
    app.state.sandbox = sandbox

    async def on_cloud_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CloudError)
        return exc.response()

    app.add_exception_handler(CloudError, on_cloud_error)
    _control_routes(app, sandbox)
    _cloud_routes(app, sandbox)
    return app


def main(config: SandboxConfig) -> None:
    setup("sandbox", config.log_level)
    serve(create_app(config), config.host, config.port, config.log_level)
